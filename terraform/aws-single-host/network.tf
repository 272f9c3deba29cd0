# Reachable on 443 (HTTPS, from learner_cidrs) and 80 (the certificate's HTTP challenge and the
# redirect to HTTPS, from anywhere) only;
# SSH closed unless admin_cidr is set (Session Manager works without it). The hub's own ports stay
# on the instance's loopback and Docker bridge.

resource "aws_security_group" "host" {
  name_prefix = "${var.name}-"
  description = "DragoNN Workshop host: HTTPS for learners"
  vpc_id      = local.vpc_id
  tags        = merge(local.tags, { Name = var.name })
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "https" {
  for_each          = toset(var.learner_cidrs)
  security_group_id = aws_security_group.host.id
  description       = "HTTPS for learners"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.value
  tags              = local.tags
}

# Port 80 stays open to everyone whatever learner_cidrs says: Let's Encrypt validates the HTTP
# challenge from addresses it does not publish ("Let's Encrypt does not publish the IP addresses
# it uses to validate", letsencrypt.org/docs/faq and /docs/challenge-types). Caddy answers there
# only the challenge and a redirect to HTTPS, which learner_cidrs narrows.
resource "aws_vpc_security_group_ingress_rule" "http" {
  #checkov:skip=CKV_AWS_260:port 80 is open on purpose, for the ACME HTTP challenge and the redirect to HTTPS (Caddy serves nothing else there)
  security_group_id = aws_security_group.host.id
  description       = "HTTP: ACME challenge and redirect to HTTPS (from anywhere: CAs do not publish their addresses)"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = "0.0.0.0/0"
  tags              = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "ssh" {
  count             = var.admin_cidr != "" ? 1 : 0
  security_group_id = aws_security_group.host.id
  description       = "SSH from the instructor's address only"
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv4         = var.admin_cidr
  tags              = local.tags
}

resource "aws_vpc_security_group_egress_rule" "all" {
  security_group_id = aws_security_group.host.id
  description       = "Packages, container images, Let's Encrypt and AWS APIs"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
  tags              = local.tags
}

# A fixed address: the URL (and the sslip.io name derived from it) survives stop/start
resource "aws_eip" "host" {
  domain = "vpc"
  tags   = merge(local.tags, { Name = var.name })
}

resource "aws_eip_association" "host" {
  allocation_id = aws_eip.host.id
  instance_id   = aws_instance.host.id
}

data "aws_route53_zone" "class" {
  count        = var.route53_zone != "" ? 1 : 0
  name         = var.route53_zone
  private_zone = false
}

resource "aws_route53_record" "host" {
  count   = var.route53_zone != "" ? 1 : 0
  zone_id = data.aws_route53_zone.class[0].zone_id
  name    = var.https_domain
  type    = "A"
  ttl     = 60
  records = [aws_eip.host.public_ip]
}
