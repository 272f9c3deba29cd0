# A ready root for the single-host module: `terraform init && terraform apply -var-file=example.tfvars`
# (`workshop cloud up` runs it for you, on a copy in its data directory, with terraform.tfvars.json
# written from the hub settings).

terraform {
  required_version = ">= 1.9"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.8, < 7.0"
    }
  }
}

provider "aws" {
  region = var.aws_region
}

module "workshop" {
  source = "../"

  class_size             = var.class_size
  instance_type          = var.instance_type
  aws_region             = var.aws_region
  https_domain           = var.https_domain
  acme_email             = var.acme_email
  admin_users            = var.admin_users
  hub_port               = var.hub_port
  image                  = var.image
  docker_network         = var.docker_network
  volume_prefix          = var.volume_prefix
  learner_memory         = var.learner_memory
  learner_memory_mb      = var.learner_memory_mb
  learner_cpu            = var.learner_cpu
  mem_limit              = var.mem_limit
  mem_limit_mb           = var.mem_limit_mb
  cpu_limit              = var.cpu_limit
  pids_limit             = var.pids_limit
  disk_limit             = var.disk_limit
  gpu                    = var.gpu
  board                  = var.board
  concurrent_spawn_limit = var.concurrent_spawn_limit
  start_timeout          = var.start_timeout
  idle_timeout           = var.idle_timeout
  spawner                = var.spawner
  name                   = var.name
  ami_id                 = var.ami_id
  root_volume_gib        = var.root_volume_gib
  homes_volume_gib       = var.homes_volume_gib
  availability_zone      = var.availability_zone
  subnet_id              = var.subnet_id
  learner_cidrs          = var.learner_cidrs
  admin_cidr             = var.admin_cidr
  ssh_key_name           = var.ssh_key_name
  route53_zone           = var.route53_zone
  stop_time              = var.stop_time
  stop_timezone          = var.stop_timezone
  idle_stop_minutes      = var.idle_stop_minutes
  event_hours            = var.event_hours
  bundle_url             = var.bundle_url
  bundle_sha256          = var.bundle_sha256
  bundle_path            = var.bundle_path
  roster_path            = var.roster_path
  image_base             = var.image_base
  tags                   = var.tags
}
