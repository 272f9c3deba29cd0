# Three managed node groups: "system" (hub, proxy, user scheduler, add-ons), and two learner
# pools that scale from zero: "cpu-users" and "gpu-users". The learner pools carry the label the
# chart's profiles select (hub/cloud/z2jh.py NODE_POOL_LABEL) and the chart's user taint; GPU nodes
# also the nvidia.com/gpu taint. Every node: IMDSv2 required with hop limit 1 (pods cannot
# reach the node's role), an encrypted gp3 root volume, and at most pod_pids_limit processes
# per pod (a kubelet setting: the chart has no per-pod PID limit).

locals {
  # hub/cloud/z2jh.py: NODE_POOL_LABEL, CPU_POOL, GPU_POOL (tests/test_terraform_eks.py holds them equal)
  node_pool_label = "dragonn-workshop/node-pool"
  user_taint      = { key = "hub.jupyter.org/dedicated", value = "user", effect = "NO_SCHEDULE" }
  gpu_taint       = { key = "nvidia.com/gpu", value = "present", effect = "NO_SCHEDULE" }
  # "NVIDIA T4" -> "nvidia-t4" (prices.json's GPU of gpu_instance_type)
  gpu_accelerator = lower(replace(try(local.prices.instance_types[var.gpu_instance_type].gpu, "NVIDIA GPU"), " ", "-"))

  node_pools = {
    system = {
      instance_type = var.system_instance_type
      ami_type      = "AL2023_x86_64_STANDARD"
      min           = var.system_nodes
      max           = var.system_nodes + 1
      labels        = { "hub.jupyter.org/node-purpose" = "core" }
      taints        = []
    }
    cpu-users = {
      instance_type = var.cpu_instance_type
      ami_type      = "AL2023_x86_64_STANDARD"
      min           = 0
      max           = var.cpu_max_nodes
      labels        = { "hub.jupyter.org/node-purpose" = "user", (local.node_pool_label) = "cpu-users" }
      taints        = [local.user_taint]
    }
    gpu-users = {
      instance_type = var.gpu_instance_type
      ami_type      = "AL2023_x86_64_NVIDIA"
      min           = var.gpu_min_nodes
      max           = var.gpu_max_nodes
      # the label the cluster autoscaler's AWS provider reads to treat a node (and, through the
      # node-template tags below, an empty group) as a GPU node
      labels = { "hub.jupyter.org/node-purpose" = "user", (local.node_pool_label) = "gpu-users",
      "k8s.amazonaws.com/accelerator" = local.gpu_accelerator }
      taints = [local.user_taint, local.gpu_taint]
    }
  }
  # AL2023 nodes read kubelet settings from a NodeConfig in the user data (nodeadm); EKS merges
  # it with the cluster's own for managed node groups
  node_user_data = <<-EOT
    MIME-Version: 1.0
    Content-Type: multipart/mixed; boundary="WORKSHOP"

    --WORKSHOP
    Content-Type: application/node.eks.aws

    apiVersion: node.eks.aws/v1alpha1
    kind: NodeConfig
    spec:
      kubelet:
        config:
          podPidsLimit: ${var.pod_pids_limit}

    --WORKSHOP--
  EOT
  # pools with a maximum of 0 are left out
  active_pools = { for name, pool in local.node_pools : name => pool if pool.max > 0 }

  tags = merge(var.tags, {
    Project   = "dragonn-workshop"
    Cluster   = var.cluster_name
    ManagedBy = "terraform"
  })
}

resource "aws_launch_template" "pool" {
  for_each    = local.active_pools
  name_prefix = "${var.cluster_name}-${each.key}-"
  user_data   = var.pod_pids_limit > 0 ? base64encode(local.node_user_data) : null

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size = var.node_disk_gib
      volume_type = "gp3"
      # the account's default EBS key (aws/ebs): a customer key's policy would have to grant the
      # Auto Scaling service-linked role, or node launches fail (AWS EC2 Auto Scaling guide,
      # "Required AWS KMS key policy for use with encrypted volumes")
      encrypted             = true
      delete_on_termination = true
    }
  }

  tag_specifications {
    resource_type = "instance"
    tags          = merge(local.tags, { Name = "${var.cluster_name}-${each.key}" })
  }

  tag_specifications {
    resource_type = "volume"
    tags          = merge(local.tags, { Name = "${var.cluster_name}-${each.key}" })
  }
}

resource "aws_eks_node_group" "pool" {
  for_each        = local.active_pools
  cluster_name    = aws_eks_cluster.this.name
  node_group_name = each.key
  node_role_arn   = aws_iam_role.node.arn
  # learners' volumes are zonal: the user pools live in one zone, so a learner's home and the
  # node a pod lands on always agree (z2jh "volume node affinity conflict")
  subnet_ids     = each.key == "system" ? local.private_subnet_ids : [local.private_subnet_ids[0]]
  ami_type       = each.value.ami_type
  instance_types = [each.value.instance_type]
  labels         = each.value.labels

  launch_template {
    id      = aws_launch_template.pool[each.key].id
    version = aws_launch_template.pool[each.key].latest_version
  }

  scaling_config {
    min_size     = each.value.min
    max_size     = each.value.max
    desired_size = each.value.min
  }

  dynamic "taint" {
    for_each = each.value.taints
    content {
      key    = taint.value.key
      value  = taint.value.value
      effect = taint.value.effect
    }
  }

  update_config {
    max_unavailable = 1
  }

  lifecycle {
    # the cluster autoscaler changes the desired size
    ignore_changes = [scaling_config[0].desired_size]
  }

  depends_on = [aws_iam_role_policy_attachment.node, aws_eks_addon.vpc_cni]
}

# Scale from zero: the autoscaler learns what an empty group's nodes would offer from these tags
# on its Auto Scaling group (labels, taints, GPUs), which managed node groups do not set.
locals {
  template_tags = merge([
    for name, pool in local.active_pools : merge(
      { for key, value in pool.labels :
      "${name}|k8s.io/cluster-autoscaler/node-template/label/${key}" => value },
      { for taint in pool.taints :
        "${name}|k8s.io/cluster-autoscaler/node-template/taint/${taint.key}" =>
      "${taint.value}:NoSchedule" },
      name == "gpu-users" ? {
        # each GPU advertises learners_per_gpu time-slices (the device plugin's config)
        "${name}|k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu" = tostring(
          try(local.prices.instance_types[var.gpu_instance_type].gpus, 1) * var.learners_per_gpu
        )
      } : {},
    ) if name != "system"
  ]...)
}

resource "aws_autoscaling_group_tag" "node_template" {
  for_each               = local.template_tags
  autoscaling_group_name = aws_eks_node_group.pool[split("|", each.key)[0]].resources[0].autoscaling_groups[0].name
  tag {
    key                 = split("|", each.key)[1]
    value               = each.value
    propagate_at_launch = false
  }
}

# A room that logs in at once should not wait ~5 minutes for GPU nodes to boot: during class
# hours the GPU pool keeps class_gpu_nodes running (peers found placeholder pods of little help).
resource "aws_autoscaling_schedule" "class_start" {
  count                  = var.class_hours == null || !contains(keys(local.active_pools), "gpu-users") ? 0 : 1
  scheduled_action_name  = "${var.cluster_name}-class-start"
  autoscaling_group_name = aws_eks_node_group.pool["gpu-users"].resources[0].autoscaling_groups[0].name
  recurrence             = var.class_hours.start
  time_zone              = var.class_hours.time_zone
  min_size               = var.class_gpu_nodes
  max_size               = var.gpu_max_nodes
  desired_capacity       = var.class_gpu_nodes
}

resource "aws_autoscaling_schedule" "class_end" {
  count                  = var.class_hours == null || !contains(keys(local.active_pools), "gpu-users") ? 0 : 1
  scheduled_action_name  = "${var.cluster_name}-class-end"
  autoscaling_group_name = aws_eks_node_group.pool["gpu-users"].resources[0].autoscaling_groups[0].name
  recurrence             = var.class_hours.end
  time_zone              = var.class_hours.time_zone
  min_size               = var.gpu_min_nodes
  max_size               = var.gpu_max_nodes
}
