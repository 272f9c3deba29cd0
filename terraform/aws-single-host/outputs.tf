locals {
  hostname = var.https_domain != "" ? var.https_domain : "${replace(aws_eip.host.public_ip, ".", "-")}.sslip.io"
  gib      = var.root_volume_gib + var.homes_volume_gib
  # instance + both gp3 volumes + the public IPv4 address; null where the price table lacks the region or type
  cost_per_hour = (local.region_tbl == null ? null
    : lookup(local.region_tbl.instances_usd_per_hour, local.instance_type, null) == null ? null
    : (local.region_tbl.instances_usd_per_hour[local.instance_type]
      + local.gib * local.region_tbl.ebs_gp3_usd_per_gib_month / local.prices.hours_per_month
  + local.prices.public_ipv4_usd_per_hour))
}

output "url" {
  description = "Where learners log in."
  value       = "https://${local.hostname}/"
}

output "instance_id" {
  description = "The host (aws ssm start-session --target <id> for a shell)."
  value       = aws_instance.host.id
}

output "public_ip" {
  description = "The Elastic IP; point https_domain's A record here."
  value       = aws_eip.host.public_ip
}

output "ami_id" {
  description = "The AMI the host booted (set ami_id to this to pin it)."
  value       = aws_instance.host.ami
}

output "status_parameter" {
  description = "SSM parameter the host writes its status to (ready | failed: <step> | provisioning ...)."
  value       = aws_ssm_parameter.status.name
}

output "activity_parameter" {
  description = "SSM parameter with the learners' activity (JSON)."
  value       = aws_ssm_parameter.activity.name
}

output "parameter_path" {
  description = "SSM path of this class; the host keeps the passwords here as SecureStrings (workshop-password, admin-password)."
  value       = local.parameter_path
}

output "bucket" {
  description = "The class's private bucket (bundle, roster, exports)."
  value       = aws_s3_bucket.class.bucket
}

output "availability_zone" {
  description = "Zone of the host and of the homes volume."
  value       = local.availability_zone
}

output "homes_volume_id" {
  description = "EBS volume with the learners' homes."
  value       = aws_ebs_volume.homes.id
}

output "cost_per_hour_usd" {
  description = "Estimated cost per running hour: instance, volumes and public IPv4 (terraform/prices.json)."
  value       = local.cost_per_hour == null ? null : ceil(local.cost_per_hour * 1000) / 1000
}

output "cost_for_event_usd" {
  description = "Estimated cost of event_hours of running."
  value       = local.cost_per_hour == null ? null : ceil(local.cost_per_hour * var.event_hours * 100) / 100
}

output "instance" {
  description = "What the host has (from terraform/prices.json)."
  value       = merge(local.type_info, { type = local.instance_type })
}

check "price_known" {
  assert {
    condition     = local.cost_per_hour != null
    error_message = "terraform/prices.json has no price for ${local.instance_type} in ${var.aws_region}: cost outputs are null (the host works all the same)."
  }
}
