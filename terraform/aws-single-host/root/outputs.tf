output "url" {
  description = "Where learners log in."
  value       = module.workshop.url
}

output "instance_id" {
  description = "The host (aws ssm start-session --target <id> for a shell)."
  value       = module.workshop.instance_id
}

output "public_ip" {
  description = "The Elastic IP; point https_domain's A record here."
  value       = module.workshop.public_ip
}

output "ami_id" {
  description = "The AMI the host booted (set ami_id to this to pin it)."
  value       = module.workshop.ami_id
}

output "status_parameter" {
  description = "SSM parameter with the host's status: ready | failed: <step> | provisioning ..."
  value       = module.workshop.status_parameter
}

output "activity_parameter" {
  description = "SSM parameter with the learners' activity (JSON)."
  value       = module.workshop.activity_parameter
}

output "parameter_path" {
  description = "SSM path of this class (the host keeps the passwords here as SecureStrings)."
  value       = module.workshop.parameter_path
}

output "bucket" {
  description = "The class's private bucket."
  value       = module.workshop.bucket
}

output "availability_zone" {
  description = "Zone of the host and of the homes volume."
  value       = module.workshop.availability_zone
}

output "homes_volume_id" {
  description = "EBS volume with the learners' homes."
  value       = module.workshop.homes_volume_id
}

output "cost_per_hour_usd" {
  description = "Estimated cost per running hour (terraform/prices.json)."
  value       = module.workshop.cost_per_hour_usd
}

output "cost_for_event_usd" {
  description = "Estimated cost of event_hours of running."
  value       = module.workshop.cost_for_event_usd
}

output "instance" {
  description = "What the host has."
  value       = module.workshop.instance
}
