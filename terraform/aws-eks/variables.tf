# Inputs of the EKS deployment. The hub itself (login, roster, limits, profiles, culling,
# HTTPS) comes from `workshop settings z2jh` as a values file (chart_values_file); these are the
# cloud-only choices. `workshop cloud up --target eks` writes terraform.tfvars.json.

variable "aws_region" {
  description = "AWS region of the cluster."
  type        = string
  default     = "us-west-2"
}

variable "cluster_name" {
  description = "Name of the EKS cluster (and prefix of everything it owns)."
  type        = string
  default     = "dragonn-workshop"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}$", var.cluster_name))
    error_message = "cluster_name must be 2-39 characters of a-z, 0-9 and '-', starting with a letter."
  }
}

variable "kubernetes_version" {
  description = "EKS Kubernetes version (the z2jh chart needs >= 1.32): one in standard support for the whole class (prices.json standard_support_ends; past it, extended support multiplies the control plane's price). hub.cloud.eks.KUBERNETES_VERSION."
  type        = string
  default     = "1.35"
}

variable "vpc_id" {
  description = "An existing VPC to use ('' creates one with public and private subnets in two zones)."
  type        = string
  default     = ""
}

variable "private_subnet_ids" {
  description = "With vpc_id: private subnets (two zones or more) for the nodes."
  type        = list(string)
  default     = []
}

variable "public_subnet_ids" {
  description = "With vpc_id: public subnets for the hub's load balancer."
  type        = list(string)
  default     = []
}

variable "vpc_cidr" {
  description = "CIDR of the VPC created when vpc_id is ''."
  type        = string
  default     = "10.42.0.0/16"
}

variable "availability_zones" {
  description = "The two zones of a created VPC ([] : <region>a and <region>b)."
  type        = list(string)
  default     = []
}

variable "admin_cidrs" {
  description = "Addresses allowed to reach the Kubernetes API: the instructor's machine (workshop cloud up --admin-cidr), never the whole internet."
  type        = list(string)
  validation {
    condition     = length(var.admin_cidrs) > 0 && !contains(var.admin_cidrs, "0.0.0.0/0")
    error_message = "admin_cidrs must list the instructor's addresses (e.g. [\"203.0.113.10/32\"]), not 0.0.0.0/0."
  }
}

variable "system_instance_type" {
  description = "Instance type of the system nodes (hub, proxy, schedulers, add-ons)."
  type        = string
  default     = "m7i.xlarge"
}

variable "system_nodes" {
  description = "System nodes (1 serves a few hundred learners; 2 tolerate a node's loss)."
  type        = number
  default     = 1
  validation {
    condition     = var.system_nodes >= 1 && var.system_nodes <= 5
    error_message = "system_nodes must be in [1, 5]."
  }
}

variable "cpu_instance_type" {
  description = "Instance type of the CPU learner nodes."
  type        = string
  default     = "m7i.2xlarge"
}

variable "cpu_max_nodes" {
  description = "Most CPU learner nodes the autoscaler may start (0 disables the pool)."
  type        = number
  default     = 10
}

variable "gpu_instance_type" {
  description = "Instance type of the GPU learner nodes (g4dn, g5, g6 sizes)."
  type        = string
  default     = "g4dn.xlarge"
  validation {
    condition     = can(regex("^g(4dn|5|6)\\.", var.gpu_instance_type))
    error_message = "gpu_instance_type must be a g4dn, g5 or g6 size (e.g. g4dn.xlarge)."
  }
}

variable "gpu_min_nodes" {
  description = "GPU nodes kept running outside class hours (0: scale from zero)."
  type        = number
  default     = 0
}

variable "gpu_max_nodes" {
  description = "Most GPU nodes the autoscaler may start (0 disables the pool)."
  type        = number
  default     = 10
}

variable "learners_per_gpu" {
  description = "Learners sharing one GPU by time-slicing (NVIDIA device plugin); no memory isolation, TensorFlow grows its memory."
  type        = number
  default     = 4
  validation {
    condition     = var.learners_per_gpu >= 1 && var.learners_per_gpu <= 16
    error_message = "learners_per_gpu must be in [1, 16]."
  }
}

variable "class_hours" {
  description = "Optional class schedule: cron expressions in time_zone, the instructor's IANA time zone (`workshop cloud up --target eks` fills in its machine's); GPU nodes held at class_gpu_nodes from start to end, so a room logging in at once does not wait for nodes to boot."
  type = object({
    start     = string
    end       = string
    time_zone = string
  })
  default = null
  validation {
    condition     = var.class_hours == null || can(regex("^(UTC|[A-Z][A-Za-z_]+(/[A-Za-z0-9_+-]+)+)$", var.class_hours.time_zone))
    error_message = "class_hours.time_zone must be an IANA time zone such as America/Los_Angeles (or UTC)."
  }
}

variable "class_gpu_nodes" {
  description = "GPU nodes kept running during class_hours."
  type        = number
  default     = 2
}

variable "node_disk_gib" {
  description = "Root volume of every node (GiB, encrypted gp3): the images live there."
  type        = number
  default     = 100
  validation {
    condition     = var.node_disk_gib >= 50
    error_message = "node_disk_gib must be at least 50 (the GPU image alone is several GB)."
  }
}

variable "pod_pids_limit" {
  description = "Processes and threads one pod may run at once (the kubelet's podPidsLimit on every node, so a fork bomb in a learner's pod stops there); `workshop cloud` passes the hub setting pids_limit. 0: no limit."
  type        = number
  default     = 2048
  validation {
    condition     = var.pod_pids_limit == 0 || (var.pod_pids_limit >= 64 && var.pod_pids_limit <= 4194304)
    error_message = "pod_pids_limit must be 0 (no limit) or in [64, 4194304]."
  }
}

variable "install_apps" {
  description = "Install the Kubernetes side (storage class, namespace, device plugin, autoscaler, chart). `workshop cloud up` applies with false first, puts the passwords' Secret in, then applies with true; `down` goes back to false before destroying, so the load balancer is gone before the VPC."
  type        = bool
  default     = true
}

variable "chart_values_file" {
  description = "Zero to JupyterHub values from `workshop settings z2jh` (no secrets in it)."
  type        = string
  default     = "z2jh-values.yaml"
}

variable "chart_version" {
  description = "Zero to JupyterHub chart version (hub.cloud.z2jh.CHART_VERSION)."
  type        = string
  default     = "4.4.0"
}

variable "namespace" {
  description = "Kubernetes namespace of the hub."
  type        = string
  default     = "workshop"
}

variable "tags" {
  description = "Extra tags on every AWS resource."
  type        = map(string)
  default     = {}
}
