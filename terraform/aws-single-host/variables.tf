# Inputs of the single-host module.
#
# The first group is exactly the output of `workshop settings terraform` (hub/settings.py,
# hub.cloud.terraform.settings_variables): the hub on the instance gets the same settings as a local
# one; tests/test_terraform.py holds the two lists equal. The second group exists only in the cloud.
# "" or 0 for mem_limit, mem_limit_mb, cpu_limit and concurrent_spawn_limit means "computed on
# the instance from its own cores and memory" (what `workshop cloud` writes unless you set them).

# --- hub settings (workshop settings terraform) --------------------------------------------------
variable "class_size" {
  description = "Expected number of learners: sizes per-user limits and the spawn rate."
  type        = number
  nullable    = false
  default     = 30
  validation {
    condition     = var.class_size >= 1 && var.class_size <= 2000
    error_message = "class_size must be in [1, 2000]."
  }
}

variable "instance_type" {
  description = "EC2 instance type: a GPU type (g4dn.*, g5.*, g6.*) or a CPU type for classes without GPUs; one of the types in terraform/prices.json, or \"auto\": the cheapest GPU type of the region there whose one host holds class_size."
  type        = string
  nullable    = false
  default     = "auto"
  validation {
    condition     = var.instance_type == "auto" || contains(keys(jsondecode(file("${path.module}/../prices.json")).instance_types), var.instance_type)
    error_message = "instance_type must be \"auto\" or one of the types in terraform/prices.json: ${join(", ", keys(jsondecode(file("${path.module}/../prices.json")).instance_types))}."
  }
}

variable "aws_region" {
  description = "AWS region of the class (the provider's region; prices and SSM paths use it)."
  type        = string
  nullable    = false
  default     = "us-west-2"
  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.aws_region))
    error_message = "aws_region must be an AWS region name such as us-east-1 or eu-west-1."
  }
}

variable "https_domain" {
  description = "Domain learners type (its A record must point at the Elastic IP, or set route53_zone). Empty: <elastic-ip-with-dashes>.sslip.io, which resolves to the Elastic IP with no DNS set-up."
  type        = string
  nullable    = false
  default     = ""
  validation {
    condition     = var.https_domain == "" || can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.https_domain))
    error_message = "https_domain must be empty or a lower-case domain name such as workshop.example.org."
  }
}

variable "acme_email" {
  description = "Contact e-mail for the certificate authorities (optional; without a domain, set it: ZeroSSL, the fallback when Let's Encrypt's shared sslip.io limit is spent, needs it)."
  type        = string
  nullable    = false
  default     = ""
}

variable "admin_users" {
  description = "Instructor usernames; they log in with the admin password."
  type        = list(string)
  nullable    = false
  default     = ["instructor"]
  validation {
    condition     = alltrue([for u in var.admin_users : can(regex("^[a-z0-9_]+$", u))])
    error_message = "admin_users entries must be lower-case ASCII letters, digits and '_'."
  }
}

variable "hub_port" {
  description = "Port of the hub's proxy on the instance (behind Caddy, on loopback)."
  type        = number
  nullable    = false
  default     = 8000
  validation {
    condition     = var.hub_port >= 1024 && var.hub_port <= 65535 && var.hub_port != 8081
    error_message = "hub_port must be in [1024, 65535] and not 8081 (the hub's API)."
  }
}

variable "image" {
  description = "Per-user container image: built from image/ on the instance unless it exists there (baked AMI)."
  type        = string
  nullable    = false
  default     = "dragonn-workshop:latest"
}

variable "docker_network" {
  description = "User-defined Docker bridge network of the learners' containers."
  type        = string
  nullable    = false
  default     = "dragonn-workshop"
}

variable "volume_prefix" {
  description = "Prefix of each learner's home volume."
  type        = string
  nullable    = false
  default     = "dragonn-workshop-user"
}

variable "learner_memory" {
  description = "Memory one learner needs (server + the tutorial's kernel at its peak, bench/learner_memory.py); the host's mem_limit defaults to it, and class_size learners must fit 85% of the instance's memory."
  type        = string
  nullable    = false
  default     = "3840M"
  validation {
    condition     = can(regex("^[0-9]+(\\.[0-9]+)?[KMGT]?$", var.learner_memory))
    error_message = "learner_memory must look like 3840M, 4G or 3.5G."
  }
}

variable "learner_memory_mb" {
  description = "learner_memory in MiB: sizes the class against the instance (the same rule as `workshop doctor` and `workshop cloud plan`)."
  type        = number
  nullable    = false
  default     = 3840
  validation {
    condition     = var.learner_memory_mb >= 256
    error_message = "learner_memory_mb must be at least 256."
  }
}

variable "learner_cpu" {
  description = "CPU cores one learner needs on average; class_size x learner_cpu must not exceed the instance's vCPUs."
  type        = number
  nullable    = false
  default     = 0.5
  validation {
    condition     = var.learner_cpu >= 0.05 && var.learner_cpu <= 1024
    error_message = "learner_cpu must be in [0.05, 1024]."
  }
}

variable "mem_limit" {
  description = "Memory limit per learner ('4G'); empty: learner_memory (set on the instance)."
  type        = string
  nullable    = false
  default     = ""
  validation {
    condition     = var.mem_limit == "" || can(regex("^[0-9]+(\\.[0-9]+)?[KMGT]?$", var.mem_limit))
    error_message = "mem_limit must be empty (computed on the instance) or look like 512M, 4G or 1.5G."
  }
}

variable "mem_limit_mb" {
  description = "mem_limit in MiB (0: computed on the instance); checked against the instance's memory."
  type        = number
  nullable    = false
  default     = 0
}

variable "cpu_limit" {
  description = "CPU cores one learner may use at most; 0: the instance's cores / class_size, at least 1."
  type        = number
  nullable    = false
  default     = 0
  validation {
    condition     = var.cpu_limit == 0 || (var.cpu_limit >= 0.05 && var.cpu_limit <= 1024)
    error_message = "cpu_limit must be 0 (computed on the instance) or in [0.05, 1024]."
  }
}

variable "pids_limit" {
  description = "Processes and threads one learner's container may run at once (a fork bomb stops there); 0: no limit."
  type        = number
  nullable    = false
  default     = 2048
  validation {
    condition     = var.pids_limit == 0 || (var.pids_limit >= 64 && var.pids_limit <= 4194304)
    error_message = "pids_limit must be 0 (no limit) or in [64, 4194304]."
  }
}

variable "disk_limit" {
  description = "Most a learner's home may hold ('10G'), a file system of its own on the homes volume; '0': no limit."
  type        = string
  nullable    = false
  default     = "10G"
  validation {
    condition     = can(regex("^[0-9]+(\\.[0-9]+)?[KMGT]?$", var.disk_limit))
    error_message = "disk_limit must be 0 (no limit) or look like 512M, 10G or 1.5T."
  }
}

variable "gpu" {
  description = "GPUs for learners' containers: auto (if the instance has any), none, all."
  type        = string
  nullable    = false
  default     = "auto"
  validation {
    condition     = contains(["auto", "none", "all"], var.gpu)
    error_message = "gpu must be one of auto, none, all."
  }
}

variable "board" {
  description = "Run the class board (/services/board/, instructors only)."
  type        = bool
  nullable    = false
  default     = true
}

variable "concurrent_spawn_limit" {
  description = "Servers allowed to start at once; 0: computed on the instance from its cores."
  type        = number
  nullable    = false
  default     = 0
}

variable "start_timeout" {
  description = "Seconds a learner's server may take to start."
  type        = number
  nullable    = false
  default     = 300
  validation {
    condition     = var.start_timeout >= 10 && var.start_timeout <= 3600
    error_message = "start_timeout must be in [10, 3600] seconds."
  }
}

variable "idle_timeout" {
  description = "Seconds without activity before a learner's server is stopped (files stay); 0: never."
  type        = number
  nullable    = false
  default     = 3600
  validation {
    condition     = var.idle_timeout == 0 || (var.idle_timeout >= 600 && var.idle_timeout <= 604800)
    error_message = "idle_timeout must be 0 (off) or in [600, 604800] seconds."
  }
}

variable "spawner" {
  description = "Always docker in the cloud: learners are isolated in containers."
  type        = string
  nullable    = false
  default     = "docker"
  validation {
    condition     = var.spawner == "docker"
    error_message = "spawner must be docker on a cloud host: the local spawner gives learners no isolation from each other."
  }
}

# --- cloud only ---------------------------------------------------------------------------------------
variable "name" {
  description = "Name of this class: prefix of every resource, and the SSM parameter path /<name>/."
  type        = string
  nullable    = false
  default     = "dragonn-workshop"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name))
    error_message = "name must be 3-32 lower-case letters, digits and '-', starting with a letter."
  }
}

variable "ami_id" {
  description = "AMI to boot; empty: the latest AWS Deep Learning Base GPU AMI (Ubuntu 24.04) for GPU types, Canonical's Ubuntu 24.04 for CPU types, looked up in SSM. Set it (e.g. to a baked AMI) to pin the event's image."
  type        = string
  nullable    = false
  default     = ""
  validation {
    condition     = var.ami_id == "" || can(regex("^ami-[0-9a-f]{8,17}$", var.ami_id))
    error_message = "ami_id must be empty or an AMI id such as ami-0123456789abcdef0."
  }
}

variable "root_volume_gib" {
  description = "Size of the encrypted gp3 root volume (system, Docker images) in GiB."
  type        = number
  nullable    = false
  default     = 100
  validation {
    condition     = var.root_volume_gib >= 60 && var.root_volume_gib <= 16384
    error_message = "root_volume_gib must be in [60, 16384]: the GPU AMI and the CUDA image need about 50 GiB."
  }
}

variable "homes_volume_gib" {
  description = "Size of the separate encrypted gp3 volume holding learners' homes and the hub's state; it survives replacing the instance."
  type        = number
  nullable    = false
  default     = 50
  validation {
    condition     = var.homes_volume_gib >= 1 && var.homes_volume_gib <= 16384
    error_message = "homes_volume_gib must be in [1, 16384]."
  }
}

variable "availability_zone" {
  description = "Availability zone (in the default VPC; ignored with subnet_id); empty: the first zone of the region that offers instance_type."
  type        = string
  nullable    = false
  default     = ""
}

variable "subnet_id" {
  description = "A public subnet (route to an internet gateway) for the host, for accounts without a default VPC; its zone is the host's and the homes volume's. Empty: the default VPC's subnet in availability_zone."
  type        = string
  nullable    = false
  default     = ""
  validation {
    condition     = var.subnet_id == "" || can(regex("^subnet-[0-9a-f]{8,17}$", var.subnet_id))
    error_message = "subnet_id must be empty or a subnet id (subnet-0123456789abcdef0)."
  }
}

variable "learner_cidrs" {
  description = "Addresses allowed to reach HTTPS (443). Port 80 stays open to all: the certificate's HTTP challenge comes from addresses the CA does not publish."
  type        = list(string)
  nullable    = false
  default     = ["0.0.0.0/0"]
  validation {
    condition     = length(var.learner_cidrs) > 0 && alltrue([for c in var.learner_cidrs : can(cidrhost(c, 0))])
    error_message = "learner_cidrs must be a non-empty list of CIDR blocks such as 0.0.0.0/0 or 203.0.113.0/24."
  }
}

variable "admin_cidr" {
  description = "One CIDR allowed to SSH (22); empty: SSH closed (use Session Manager: aws ssm start-session)."
  type        = string
  nullable    = false
  default     = ""
  validation {
    condition     = var.admin_cidr == "" || (can(cidrhost(var.admin_cidr, 0)) && !startswith(var.admin_cidr, "0.0.0.0/"))
    error_message = "admin_cidr must be empty or one CIDR block narrower than 0.0.0.0/0, e.g. 198.51.100.7/32."
  }
}

variable "ssh_key_name" {
  description = "EC2 key pair for SSH from admin_cidr (optional)."
  type        = string
  nullable    = false
  default     = ""
}

variable "route53_zone" {
  description = "Existing public Route53 zone (e.g. example.org) in which to create https_domain's A record; empty: none."
  type        = string
  nullable    = false
  default     = ""
}

variable "stop_time" {
  description = "Daily automatic stop, HH:MM in stop_timezone (EventBridge Scheduler); empty: none."
  type        = string
  nullable    = false
  default     = "20:00"
  validation {
    condition     = var.stop_time == "" || can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]$", var.stop_time))
    error_message = "stop_time must be empty or HH:MM (24-hour), e.g. 20:00."
  }
}

variable "stop_timezone" {
  description = "IANA time zone of stop_time: the instructor's, e.g. America/Los_Angeles (`workshop cloud` passes its machine's). No default: a stop in UTC falls mid-class in the Americas."
  type        = string
  nullable    = false
  validation {
    condition     = can(regex("^(UTC|[A-Z][A-Za-z_]+(/[A-Za-z0-9_+-]+)+)$", var.stop_timezone))
    error_message = "stop_timezone must be an IANA time zone such as America/Los_Angeles or Europe/Berlin (or UTC)."
  }
}

variable "idle_stop_minutes" {
  description = "Stop the instance when no learner server has run and nobody has been active for this many minutes; 0: never."
  type        = number
  nullable    = false
  default     = 120
  validation {
    condition     = var.idle_stop_minutes == 0 || (var.idle_stop_minutes >= 15 && var.idle_stop_minutes <= 10080)
    error_message = "idle_stop_minutes must be 0 (off) or in [15, 10080]."
  }
}

variable "event_hours" {
  description = "Hours the instance will run for the event (for the cost estimate only)."
  type        = number
  nullable    = false
  default     = 8
}

variable "bundle_url" {
  description = "Where the instance gets this project (a source tarball, https:// or s3://). Ignored when bundle_path is set."
  type        = string
  nullable    = false
  default     = ""
}

variable "bundle_sha256" {
  description = "SHA-256 of the tarball at bundle_url (the instance refuses any other). Ignored when bundle_path is set."
  type        = string
  nullable    = false
  default     = ""
  validation {
    condition     = var.bundle_sha256 == "" || can(regex("^[0-9a-f]{64}$", var.bundle_sha256))
    error_message = "bundle_sha256 must be empty or 64 hex digits."
  }
}

variable "bundle_path" {
  description = "Local source tarball of this project (what `workshop cloud` makes from your checkout); uploaded to the class's private bucket and pinned by its SHA-256."
  type        = string
  nullable    = false
  default     = ""
}

variable "roster_path" {
  description = "Local roster.csv to upload to the class's private bucket (the instance syncs it every minute); empty: none."
  type        = string
  nullable    = false
  default     = ""
}

variable "image_base" {
  description = "BASE_IMAGE build argument for image/Dockerfile; empty: the Dockerfile's own."
  type        = string
  nullable    = false
  default     = ""
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  nullable    = false
  default     = {}
}
