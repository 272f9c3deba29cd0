locals {
  prices       = jsondecode(file("${path.module}/../prices.json"))
  region_price = try(local.prices.regions[var.aws_region].instances_usd_per_hour, {})
  # what runs before any learner arrives: the control plane, the system nodes, the NAT gateway
  # and the load balancer (AWS list prices; `workshop cloud plan --target eks` adds learners)
  idle_usd_per_hour = (
    0.10
    + var.system_nodes * try(local.region_price[var.system_instance_type], 0)
    + (local.create_vpc ? 0.045 : 0)
    + 0.0225
  )
}

output "cluster_name" {
  description = "EKS cluster name."
  value       = aws_eks_cluster.this.name
}

output "kubeconfig_command" {
  description = "Point kubectl at the cluster."
  value       = "aws eks update-kubeconfig --region ${var.aws_region} --name ${aws_eks_cluster.this.name}"
}

output "namespace" {
  description = "Namespace of the hub (and of the workshop-passwords Secret)."
  value       = var.namespace
}

output "gpu_node_usd_per_hour" {
  description = "Price of one GPU learner node (price table), null if the table lacks it."
  value       = try(local.region_price[var.gpu_instance_type], null)
}

output "idle_usd_per_hour" {
  description = "Estimated cost per hour with no learner logged in."
  value       = local.idle_usd_per_hour
}
