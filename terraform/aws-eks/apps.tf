# The Kubernetes side, installed when install_apps is true: the hub's namespace, an encrypted gp3
# storage class for learners' homes (bound where the pod lands), the NVIDIA device plugin with
# GPU time-slicing, the cluster autoscaler, and the Zero to JupyterHub chart with the values of
# `workshop settings z2jh` plus this cluster's own (storage class, load balancer).
#
# The passwords are not here: `workshop cloud up --target eks` puts them into the Secret
# "workshop-passwords" of the namespace with kubectl (from stdin), so they are in no values
# file, no Terraform variable and no state.

locals {
  apps = var.install_apps ? 1 : 0
  cluster_values = {
    singleuser = {
      storage = { dynamic = { storageClass = "gp3-encrypted" } }
    }
    proxy = {
      service = {
        type = "LoadBalancer"
        annotations = {
          "service.beta.kubernetes.io/aws-load-balancer-type"                     = "nlb"
          "service.beta.kubernetes.io/aws-load-balancer-additional-resource-tags" = "Project=dragonn-workshop,Cluster=${var.cluster_name}"
        }
      }
    }
  }
  device_plugin_config = yamlencode({
    version = "v1"
    sharing = {
      timeSlicing = {
        resources = [{ name = "nvidia.com/gpu", replicas = var.learners_per_gpu }]
      }
    }
  })
}

resource "kubernetes_namespace_v1" "hub" {
  count = local.apps
  metadata {
    name   = var.namespace
    labels = { "app.kubernetes.io/part-of" = "dragonn-workshop" }
  }
  depends_on = [aws_eks_node_group.pool]
}

resource "kubernetes_storage_class_v1" "gp3" {
  count = local.apps
  metadata {
    name = "gp3-encrypted"
  }
  storage_provisioner    = "ebs.csi.aws.com"
  reclaim_policy         = "Delete"
  volume_binding_mode    = "WaitForFirstConsumer"
  allow_volume_expansion = true
  # no kmsKeyId: the account's default EBS key, which the EBS CSI driver's role may use without
  # grants on a customer key's policy (EKS guide, "Amazon EBS CSI driver IAM role": a customer
  # key needs kms:CreateGrant and friends for that role)
  parameters = {
    type      = "gp3"
    encrypted = "true"
  }
  depends_on = [aws_eks_addon.ebs_csi]
}

resource "helm_release" "device_plugin" {
  count      = local.apps == 1 && var.gpu_max_nodes > 0 ? 1 : 0
  name       = "nvidia-device-plugin"
  repository = "https://nvidia.github.io/k8s-device-plugin"
  chart      = "nvidia-device-plugin"
  version    = "0.17.4"
  namespace  = "kube-system"
  values = [yamlencode({
    nodeSelector = { (local.node_pool_label) = "gpu-users" }
    tolerations = [
      { key = "nvidia.com/gpu", operator = "Exists", effect = "NoSchedule" },
      { key = "hub.jupyter.org/dedicated", operator = "Equal", value = "user", effect = "NoSchedule" },
    ]
    config = { map = { default = local.device_plugin_config }, default = "default" }
  })]
  depends_on = [aws_eks_node_group.pool]
}

resource "helm_release" "autoscaler" {
  count      = local.apps
  name       = "cluster-autoscaler"
  repository = "https://kubernetes.github.io/autoscaler"
  chart      = "cluster-autoscaler"
  version    = "9.46.6"
  namespace  = "kube-system"
  values = [yamlencode({
    autoDiscovery = { clusterName = var.cluster_name }
    awsRegion     = var.aws_region
    rbac          = { serviceAccount = { create = true, name = "cluster-autoscaler" } }
    nodeSelector  = { "hub.jupyter.org/node-purpose" = "core" }
    extraArgs = {
      # empty learner nodes go after 10 minutes; never a node with a learner's pod on it
      "scale-down-unneeded-time"      = "10m"
      "skip-nodes-with-local-storage" = "false"
      "balance-similar-node-groups"   = "true"
      expander                        = "least-waste"
    }
  })]
  depends_on = [aws_eks_pod_identity_association.autoscaler, aws_eks_node_group.pool]
}

resource "helm_release" "jupyterhub" {
  count      = local.apps
  name       = "workshop"
  repository = "https://hub.jupyter.org/helm-chart/"
  chart      = "jupyterhub"
  version    = var.chart_version
  namespace  = kubernetes_namespace_v1.hub[0].metadata[0].name
  # the first install pre-pulls the learner image onto every node; give it time
  timeout = 1200
  values = [
    file(var.chart_values_file),
    yamlencode(local.cluster_values),
  ]
  depends_on = [
    kubernetes_storage_class_v1.gp3,
    helm_release.device_plugin,
    helm_release.autoscaler,
  ]
}
