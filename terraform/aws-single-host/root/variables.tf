# The module's variables (../variables.tf), passed through. null means the module's default,
# so the defaults and validations live in one place; tests/test_terraform.py keeps the lists equal.
# aws_region is the exception: the provider needs it here.

variable "class_size" {
  description = "Expected number of learners: sizes per-user limits and the spawn rate."
  type        = number
  default     = null
}

variable "instance_type" {
  description = "EC2 instance type: a GPU type (g4dn.*, g5.*, g6.*) or a CPU type for classes without GPUs; one of the types in terraform/prices.json."
  type        = string
  default     = null
}

variable "aws_region" {
  description = "AWS region of the class (the provider's region; prices and SSM paths use it)."
  type        = string
  default     = "us-west-2"
}

variable "https_domain" {
  description = "Domain learners type (its A record must point at the Elastic IP, or set route53_zone). Empty: <elastic-ip-with-dashes>.sslip.io, which resolves to the Elastic IP with no DNS set-up."
  type        = string
  default     = null
}

variable "acme_email" {
  description = "Contact e-mail for the certificate authorities (optional; without a domain, set it: ZeroSSL, the fallback when Let's Encrypt's shared sslip.io limit is spent, needs it)."
  type        = string
  default     = null
}

variable "admin_users" {
  description = "Instructor usernames; they log in with the admin password."
  type        = list(string)
  default     = null
}

variable "hub_port" {
  description = "Port of the hub's proxy on the instance (behind Caddy, on loopback)."
  type        = number
  default     = null
}

variable "image" {
  description = "Per-user container image: built from image/ on the instance unless it exists there (baked AMI)."
  type        = string
  default     = null
}

variable "docker_network" {
  description = "User-defined Docker bridge network of the learners' containers."
  type        = string
  default     = null
}

variable "volume_prefix" {
  description = "Prefix of each learner's home volume."
  type        = string
  default     = null
}

variable "learner_memory" {
  description = "Memory one learner needs (server + the tutorial's kernel at its peak, bench/learner_memory.py); the host's mem_limit defaults to it, and class_size learners must fit 85% of the instance's memory."
  type        = string
  default     = null
}

variable "learner_memory_mb" {
  description = "learner_memory in MiB: sizes the class against the instance (the same rule as `workshop doctor` and `workshop cloud plan`)."
  type        = number
  default     = null
}

variable "learner_cpu" {
  description = "CPU cores one learner needs on average; class_size x learner_cpu must not exceed the instance's vCPUs."
  type        = number
  default     = null
}

variable "mem_limit" {
  description = "Memory limit per learner ('4G'); empty: learner_memory (set on the instance)."
  type        = string
  default     = null
}

variable "mem_limit_mb" {
  description = "mem_limit in MiB (0: computed on the instance); checked against the instance's memory."
  type        = number
  default     = null
}

variable "cpu_limit" {
  description = "CPU cores one learner may use at most; 0: the instance's cores / class_size, at least 1."
  type        = number
  default     = null
}

variable "pids_limit" {
  description = "Processes and threads one learner's container may run at once (a fork bomb stops there); 0: no limit."
  type        = number
  default     = null
}

variable "disk_limit" {
  description = "Most a learner's home may hold ('10G'), a file system of its own on the homes volume; '0': no limit."
  type        = string
  default     = null
}

variable "gpu" {
  description = "GPUs for learners' containers: auto (if the instance has any), none, all."
  type        = string
  default     = null
}

variable "board" {
  description = "Run the class board (/services/board/, instructors only)."
  type        = bool
  default     = null
}

variable "concurrent_spawn_limit" {
  description = "Servers allowed to start at once; 0: computed on the instance from its cores."
  type        = number
  default     = null
}

variable "start_timeout" {
  description = "Seconds a learner's server may take to start."
  type        = number
  default     = null
}

variable "idle_timeout" {
  description = "Seconds without activity before a learner's server is stopped (files stay); 0: never."
  type        = number
  default     = null
}

variable "spawner" {
  description = "Always docker in the cloud: learners are isolated in containers."
  type        = string
  default     = null
}

variable "name" {
  description = "Name of this class: prefix of every resource, and the SSM parameter path /<name>/."
  type        = string
  default     = null
}

variable "ami_id" {
  description = "AMI to boot; empty: the latest AWS Deep Learning Base GPU AMI (Ubuntu 24.04) for GPU types, Canonical's Ubuntu 24.04 for CPU types, looked up in SSM. Set it (e.g. to a baked AMI) to pin the event's image."
  type        = string
  default     = null
}

variable "root_volume_gib" {
  description = "Size of the encrypted gp3 root volume (system, Docker images) in GiB."
  type        = number
  default     = null
}

variable "homes_volume_gib" {
  description = "Size of the separate encrypted gp3 volume holding learners' homes and the hub's state; it survives replacing the instance."
  type        = number
  default     = null
}

variable "availability_zone" {
  description = "Availability zone (in the default VPC); empty: the first zone of the region that offers instance_type."
  type        = string
  default     = null
}

variable "subnet_id" {
  description = "A public subnet for the host (accounts without a default VPC); empty: the default VPC."
  type        = string
  default     = null
}

variable "learner_cidrs" {
  description = "Addresses allowed to reach HTTPS (443) and the HTTP redirect (80)."
  type        = list(string)
  default     = null
}

variable "admin_cidr" {
  description = "One CIDR allowed to SSH (22); empty: SSH closed (use Session Manager: aws ssm start-session)."
  type        = string
  default     = null
}

variable "ssh_key_name" {
  description = "EC2 key pair for SSH from admin_cidr (optional)."
  type        = string
  default     = null
}

variable "route53_zone" {
  description = "Existing public Route53 zone (e.g. example.org) in which to create https_domain's A record; empty: none."
  type        = string
  default     = null
}

variable "stop_time" {
  description = "Daily automatic stop, HH:MM in stop_timezone (EventBridge Scheduler); empty: none."
  type        = string
  default     = null
}

variable "stop_timezone" {
  description = "IANA time zone of stop_time, e.g. Europe/Berlin."
  type        = string
  default     = null
}

variable "idle_stop_minutes" {
  description = "Stop the instance when no learner server has run and nobody has been active for this many minutes; 0: never."
  type        = number
  default     = null
}

variable "event_hours" {
  description = "Hours the instance will run for the event (for the cost estimate only)."
  type        = number
  default     = null
}

variable "bundle_url" {
  description = "Where the instance gets this project (a source tarball, https:// or s3://). Ignored when bundle_path is set."
  type        = string
  default     = null
}

variable "bundle_sha256" {
  description = "SHA-256 of the tarball at bundle_url (the instance refuses any other). Ignored when bundle_path is set."
  type        = string
  default     = null
}

variable "bundle_path" {
  description = "Local source tarball of this project (what `workshop cloud` makes from your checkout); uploaded to the class's private bucket and pinned by its SHA-256."
  type        = string
  default     = null
}

variable "roster_path" {
  description = "Local roster.csv to upload to the class's private bucket (the instance syncs it every minute); empty: none."
  type        = string
  default     = null
}

variable "image_base" {
  description = "BASE_IMAGE build argument for image/Dockerfile; empty: the Dockerfile's own."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = null
}
