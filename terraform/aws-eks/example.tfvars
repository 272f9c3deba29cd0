# terraform apply -var-file=example.tfvars  (or let `workshop cloud up --target eks` write
# terraform.tfvars.json from the settings)
aws_region        = "us-west-2"
cluster_name      = "dragonn-workshop"
gpu_instance_type = "g4dn.xlarge"
learners_per_gpu  = 4
gpu_max_nodes     = 25
cpu_max_nodes     = 4
admin_cidrs       = ["203.0.113.10/32"]
class_hours = {
  start = "30 8 * * MON-FRI"
  end   = "0 18 * * MON-FRI"
}
class_gpu_nodes   = 8
chart_values_file = "z2jh-values.yaml"
tags              = { Course = "genomics-dl-2026" }
