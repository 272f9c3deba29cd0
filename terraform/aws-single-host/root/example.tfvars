# terraform apply -var-file=example.tfvars   (from terraform/aws-single-host/root)
# Every name is a variable of ../variables.tf; anything left out takes the module's default.
# `workshop cloud up` writes terraform.tfvars.json for you from `workshop settings`.

name          = "genomics-dl-2026"
aws_region    = "us-east-1"
instance_type = "g4dn.xlarge" # 1x NVIDIA T4, 4 vCPU, 16 GiB: ~$0.53/h; g4dn.12xlarge (4 GPUs) for 40+ learners
class_size    = 12
admin_users   = ["instructor"]

# HTTPS: leave https_domain empty for <elastic-ip-with-dashes>.sslip.io (no DNS needed), or give a
# domain and either point its A record at the public_ip output or name your Route53 zone.
https_domain = ""
acme_email   = ""
route53_zone = ""

# The project, pinned: a release tarball and its SHA-256 (see terraform/cloudformation/README.md),
# or bundle_path = "dragonn-workshop.tar.gz" made with `workshop cloud bundle`.
bundle_url    = "https://example.org/dragonn-workshop-0.1.0.tar.gz"
bundle_sha256 = "0000000000000000000000000000000000000000000000000000000000000000"

roster_path = "" # a roster.csv (`workshop roster import ...` writes one in .workshop/)

# Cost control: a daily stop, and a stop after 2 idle hours
stop_time         = "19:00"
stop_timezone     = "America/New_York"
idle_stop_minutes = 120
event_hours       = 16

homes_volume_gib = 50
admin_cidr       = "" # e.g. "198.51.100.7/32" to open SSH for yourself; Session Manager works without it

tags = {
  course = "genomics-dl"
}
