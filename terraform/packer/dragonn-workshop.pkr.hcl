# The self-hosted AMI: the AWS Deep Learning Base GPU AMI (Ubuntu 24.04) with this project's
# bundle laid out where the single host's user data puts it, the hub installed and the per-user
# image built (modisco-lite's numba cache warm inside it), by the same provisioning script the
# single host's user data runs (terraform/provision/provision.sh --bake). A host started from it
# runs the user data as usual and finds everything there: class-ready in minutes.
#
#   git archive --format=tar.gz --prefix=dragonn-workshop/ -o bundle.tar.gz HEAD
#   packer init . && packer build -var bundle=bundle.tar.gz \
#       -var bundle_sha256=$(sha256sum bundle.tar.gz | cut -d' ' -f1) -var version=0.1.0 .
#
# Then pass the AMI id to terraform/aws-single-host (ami_id) or the CloudFormation stack (AmiId).
# Publishing it (copy to regions, make public) is a release step: see README.md here.

packer {
  required_version = ">= 1.10.0"
  required_plugins {
    amazon = {
      source  = "github.com/hashicorp/amazon"
      version = "~> 1.3"
    }
  }
}

variable "aws_region" {
  type        = string
  default     = "us-west-2"
  description = "Region the AMI is built in (copy it to others when publishing)."
}

variable "version" {
  type        = string
  description = "The project version the bundle holds (pyproject.toml); names and tags the AMI."
}

variable "bundle" {
  type        = string
  description = "The project's bundle: `git archive --format=tar.gz` of the release."
}

variable "bundle_sha256" {
  type        = string
  description = "SHA-256 of the bundle; the user data of a host started from the AMI refers to the bundle by it."
  validation {
    condition     = can(regex("^[0-9a-f]{64}$", var.bundle_sha256))
    error_message = "The bundle_sha256 must be 64 lower-case hex digits (sha256sum bundle.tar.gz)."
  }
}

variable "build_instance_type" {
  type        = string
  default     = "g4dn.xlarge"
  description = "Instance the bake runs on (the DLAMI supports GPU types only)."
}

variable "volume_gib" {
  type        = number
  default     = 100
  description = "Root volume of the AMI (GiB): the CUDA image needs room."
}

variable "kms_key_id" {
  type        = string
  default     = ""
  description = "KMS key for the AMI's snapshots ('' : the account's default EBS key)."
}

variable "public" {
  type        = bool
  default     = false
  description = "Build the copy to make public: AWS refuses to make an AMI with encrypted snapshots public, so this one alone is unencrypted (hosts from it encrypt their volumes through the account's EBS default encryption). Keep false for your own classes."
}

variable "tags" {
  type        = map(string)
  default     = {}
  description = "Extra tags on the AMI and its snapshots."
}

# The current DLAMI, as the single host looks it up (its public SSM parameter).
data "amazon-parameterstore" "dlami" {
  name   = "/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-24.04/latest/ami-id"
  region = var.aws_region
}

locals {
  stamp = formatdate("YYYYMMDD-hhmm", timestamp())
  tags = merge(var.tags, {
    Project      = "dragonn-workshop"
    Version      = var.version
    BundleSha256 = var.bundle_sha256
    SourceAmi    = data.amazon-parameterstore.dlami.value
  })
}

source "amazon-ebs" "dlami" {
  region          = var.aws_region
  instance_type   = var.build_instance_type
  source_ami      = data.amazon-parameterstore.dlami.value
  ssh_username    = "ubuntu"
  ami_name        = "dragonn-workshop-${var.version}-${local.stamp}"
  ami_description = "DragoNN Workshop ${var.version}: JupyterHub and the per-user image, ready on first boot"

  # instances started from the AMI (and the build instance) need IMDSv2 tokens, hop limit 1
  imds_support = "v2.0"
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  encrypt_boot = !var.public
  kms_key_id   = var.kms_key_id
  launch_block_device_mappings {
    device_name           = "/dev/sda1"
    volume_size           = var.volume_gib
    volume_type           = "gp3"
    encrypted             = !var.public
    delete_on_termination = true
  }

  # SSH only from the machine running packer, for the length of the build
  temporary_security_group_source_public_ip = true

  tags          = local.tags
  snapshot_tags = local.tags
  run_tags      = merge(local.tags, { Name = "dragonn-workshop-bake" })
}

build {
  sources = ["source.amazon-ebs.dlami"]

  provisioner "file" {
    source      = var.bundle
    destination = "/tmp/dragonn-workshop-bundle.tar.gz"
  }

  provisioner "shell" {
    execute_command  = "sudo -E bash '{{ .Path }}'"
    environment_vars = ["BUNDLE_SHA256=${var.bundle_sha256}"]
    script           = "${path.root}/bake.sh"
  }
}
