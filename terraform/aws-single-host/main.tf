# One EC2 host for a whole class: JupyterHub with one Docker container per learner, behind Caddy
# (HTTPS), learners' homes on their own encrypted EBS volume. Provisioned on first boot by
# terraform/provision/provision.sh (user data fetches this project's tarball and runs it).

locals {
  prices     = jsondecode(file("${path.module}/../prices.json"))
  region_tbl = lookup(local.prices.regions, var.aws_region, null)

  # instance_type "auto": the cheapest GPU type offered in the region (per prices.json) whose one
  # host holds class_size: hub/cloud/prices.py cheapest_type_that_holds, which `workshop cloud`
  # resolves before Terraform runs; tests/test_terraform.py holds the two equal
  holds = { for t, info in local.prices.instance_types : t => min(
    floor(local.usable_memory_fraction * info.memory_gib * 1024 / var.learner_memory_mb),
    floor(info.vcpus / var.learner_cpu),
  info.gpus > 0 ? local.learners_per_gpu_max * info.gpus : floor(info.vcpus / var.learner_cpu)) }
  region_offer = local.region_tbl == null ? {} : local.region_tbl.instances_usd_per_hour
  auto_fits = { for t, price in local.region_offer : t => price
  if local.prices.instance_types[t].gpus > 0 && local.holds[t] >= var.class_size }
  auto_price    = length(local.auto_fits) > 0 ? min(values(local.auto_fits)...) : 0
  auto_type     = try([for t, p in local.auto_fits : t if p == local.auto_price][0], "")
  instance_type = var.instance_type == "auto" ? local.auto_type : var.instance_type
  type_info = lookup(local.prices.instance_types, local.instance_type,
  { gpus = 0, gpu = "", gpu_memory_gib = 0, vcpus = 0, memory_gib = 0 })
  gpu_host = local.type_info.gpus > 0

  # learners one host holds: the rule of hub/cloud/prices.py learners_per_instance (85% of the
  # memory, as `workshop doctor` checks a machine; vCPUs / learner_cpu; 12 per GPU), which
  # tests/test_terraform.py holds equal
  usable_memory_fraction = 0.85
  learners_per_gpu_max   = 12
  learners_by_memory     = floor(local.usable_memory_fraction * local.type_info.memory_gib * 1024 / var.learner_memory_mb)
  learners_by_cpu        = floor(local.type_info.vcpus / var.learner_cpu)
  learners_per_host = min(local.learners_by_memory, local.learners_by_cpu,
  local.gpu_host ? local.learners_per_gpu_max * local.type_info.gpus : local.learners_by_cpu)

  # AMI: a pinned/baked id, or the current one from AWS's public SSM parameters
  ami_parameter = (local.gpu_host
    ? "/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-24.04/latest/ami-id"
  : "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id")
  ami_id = var.ami_id != "" ? var.ami_id : data.aws_ssm_parameter.ami[0].insecure_value

  availability_zone = (var.subnet_id != "" ? data.aws_subnet.chosen[0].availability_zone
    : var.availability_zone != "" ? var.availability_zone
  : try(sort(data.aws_ec2_instance_type_offerings.in_region.locations)[0], ""))
  # a subnet of the instructor's (accounts without a default VPC), else the default VPC's
  subnet_id = var.subnet_id != "" ? var.subnet_id : data.aws_subnet.host[0].id
  vpc_id    = var.subnet_id != "" ? data.aws_subnet.chosen[0].vpc_id : data.aws_vpc.default[0].id

  parameter_path = "/${var.name}"
  tags = merge(var.tags, {
    "dragonn-workshop:class" = var.name
  })
  bundle_url    = var.bundle_path != "" ? "s3://${aws_s3_bucket.class.bucket}/${aws_s3_object.bundle[0].key}" : var.bundle_url
  bundle_sha256 = var.bundle_path != "" ? filesha256(var.bundle_path) : var.bundle_sha256
}

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

data "aws_ssm_parameter" "ami" {
  count = var.ami_id == "" ? 1 : 0
  name  = local.ami_parameter
}

data "aws_ec2_instance_type_offerings" "in_region" {
  location_type = "availability-zone"
  filter {
    name   = "instance-type"
    values = [local.instance_type]
  }
}

# Many organisations' accounts have no default VPC: with subnet_id set, neither is looked up
data "aws_vpc" "default" {
  count   = var.subnet_id == "" ? 1 : 0
  default = true
}

data "aws_subnet" "host" {
  count             = var.subnet_id == "" ? 1 : 0
  vpc_id            = data.aws_vpc.default[0].id
  availability_zone = local.availability_zone
  default_for_az    = true
}

data "aws_subnet" "chosen" {
  count = var.subnet_id != "" ? 1 : 0
  id    = var.subnet_id
}

resource "aws_instance" "host" {
  ami                  = local.ami_id
  instance_type        = local.instance_type
  subnet_id            = local.subnet_id
  iam_instance_profile = aws_iam_instance_profile.host.name
  key_name             = var.ssh_key_name != "" ? var.ssh_key_name : null
  monitoring           = true
  ebs_optimized        = true
  # the idle stop shuts the system down: that must stop the instance, never terminate it
  instance_initiated_shutdown_behavior = "stop"
  vpc_security_group_ids               = [aws_security_group.host.id]

  # IMDSv2 only, and a hop limit of 1: a process in a learner's container (one hop further, on
  # the Docker bridge) cannot reach the instance role's credentials
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }

  root_block_device {
    volume_type           = "gp3"
    volume_size           = var.root_volume_gib
    encrypted             = true
    delete_on_termination = true
  }

  # no secret in here: passwords are made on the instance and kept in SSM Parameter Store
  user_data = templatefile("${path.module}/../provision/user-data.yaml.tftpl", {
    name                   = var.name
    region                 = var.aws_region
    bucket                 = aws_s3_bucket.class.bucket
    bundle_url             = local.bundle_url
    bundle_sha256          = local.bundle_sha256
    public_ip              = aws_eip.host.public_ip
    https_domain           = var.https_domain
    homes_volume_id        = aws_ebs_volume.homes.id
    image_base             = var.image_base
    idle_stop_minutes      = var.idle_stop_minutes
    class_size             = var.class_size
    admin_users            = join(",", var.admin_users)
    acme_email             = var.acme_email
    hub_port               = var.hub_port
    image                  = var.image
    docker_network         = var.docker_network
    volume_prefix          = var.volume_prefix
    learner_memory         = var.learner_memory
    learner_cpu            = var.learner_cpu
    mem_limit              = var.mem_limit
    cpu_limit              = var.cpu_limit
    pids_limit             = var.pids_limit
    disk_limit             = var.disk_limit
    gpu                    = var.gpu
    board                  = var.board
    concurrent_spawn_limit = var.concurrent_spawn_limit
    start_timeout          = var.start_timeout
    idle_timeout           = var.idle_timeout
    instance_type          = local.instance_type
  })
  # new settings or a new bundle re-provision a fresh instance; homes live on their own volume
  user_data_replace_on_change = true

  tags = merge(local.tags, { Name = var.name })

  lifecycle {
    # a newer AMI published in SSM must not replace the host in the middle of a class: pin it
    # with ami_id, or replace on purpose with `terraform apply -replace`
    ignore_changes = [ami]
    precondition {
      condition     = local.bundle_url != "" && local.bundle_sha256 != ""
      error_message = "Set bundle_path (a source tarball of this project; `workshop cloud` makes one) or both bundle_url and bundle_sha256."
    }
    precondition {
      condition     = local.instance_type != ""
      error_message = "instance_type auto: no one GPU type in prices.json holds class_size ${var.class_size} in ${var.aws_region} at learner_memory ${var.learner_memory} and learner_cpu ${var.learner_cpu}: a smaller class, or Kubernetes (terraform/aws-eks)."
    }
    precondition {
      condition     = var.class_size <= local.learners_per_host
      error_message = "class_size ${var.class_size} does not fit ${local.instance_type} (${local.type_info.memory_gib} GiB, ${local.type_info.vcpus} vCPU): at learner_memory ${var.learner_memory} and learner_cpu ${var.learner_cpu} it holds ${local.learners_per_host} learners. Options: class_size = ${local.learners_per_host}; ${local.auto_type != "" ? "instance_type = \"${local.auto_type}\" (the cheapest GPU type in ${var.aws_region} that holds ${var.class_size})" : "no one GPU type holds ${var.class_size}: Kubernetes (terraform/aws-eks)"}; or instance_type = \"auto\"."
    }
    precondition {
      condition     = var.mem_limit_mb == 0 || var.mem_limit_mb * var.class_size <= local.type_info.memory_gib * 1024
      error_message = "class_size x mem_limit (${var.class_size} x ${var.mem_limit_mb} MiB) exceeds the ${local.type_info.memory_gib} GiB of ${local.instance_type}: choose a bigger instance_type or a smaller mem_limit."
    }
    precondition {
      condition     = local.availability_zone != ""
      error_message = "instance_type ${local.instance_type} is not offered in any availability zone of ${var.aws_region}: choose another type or region (`workshop cloud plan` lists what is offered)."
    }
    precondition {
      condition     = contains(data.aws_ec2_instance_type_offerings.in_region.locations, local.availability_zone)
      error_message = "instance_type ${local.instance_type} is not offered in ${local.availability_zone} (the zone of subnet_id or availability_zone): choose a subnet in one of ${join(", ", sort(data.aws_ec2_instance_type_offerings.in_region.locations))}."
    }
    precondition {
      condition     = var.https_domain != "" || var.route53_zone == ""
      error_message = "route53_zone is set but https_domain is empty: the record needs a name."
    }
  }
}

# Learners' homes (Docker volumes) and the hub's state: survives replacing the instance
resource "aws_ebs_volume" "homes" {
  #checkov:skip=CKV_AWS_189:encrypted with the account's AWS-managed EBS key; a customer key would outlive the class and cost money
  availability_zone = local.availability_zone
  type              = "gp3"
  size              = var.homes_volume_gib
  encrypted         = true
  tags              = merge(local.tags, { Name = "${var.name}-homes" })
}

resource "aws_volume_attachment" "homes" {
  device_name = "/dev/sdf"
  volume_id   = aws_ebs_volume.homes.id
  instance_id = aws_instance.host.id
  # stop the old host before detaching when it is replaced, so the file system is clean
  stop_instance_before_detaching = true
}

# What the instance reports: status (ready | failed: <step> | provisioning ...) and activity
resource "aws_ssm_parameter" "status" {
  #checkov:skip=CKV2_AWS_34:the provisioning status (ready, failed: <step>) is no secret; the CLI and the console read it
  name        = "${local.parameter_path}/status"
  description = "DragoNN Workshop host status, written by the instance."
  type        = "String"
  value       = "launching"
  tags        = local.tags
  lifecycle {
    ignore_changes = [value]
  }
}

resource "aws_ssm_parameter" "activity" {
  #checkov:skip=CKV2_AWS_34:one type with CloudFormation, which cannot create SecureStrings, and with the agent (hub/cloud/agent.py ACTIVITY_TYPE): usernames and counts, readable only inside the account
  name        = "${local.parameter_path}/activity"
  description = "Learners' activity on the DragoNN Workshop host (JSON), written by the instance every minute."
  type        = "String" # the agent writes the same type: Parameter Store refuses a type change
  value       = "{}"
  tags        = local.tags
  lifecycle {
    ignore_changes = [value]
  }
}
