# More than one frontend (frontend_count > 1): the streamers publish to an
# internal NLB on TCP 1935 (instance targets: the frontends see the
# streamer's own address, so vstream's CIDR check still applies), viewers and
# CloudFront reach the frontends through an internet-facing ALB on 443 with
# an ACM certificate for domain_name (the frontends behind it may keep
# self-signed certificates: the ALB does not check them).  domain_name points
# at the ALB.  An ALB needs two zones: az_count >= 2.

# The port the frontends answer each other's HLS requests on (the nginx
# role's nginx_peer_port; the inventory passes it as hls_peer_port).
locals {
  hls_peer_port = 8081
}

# The load balancers' groups, the group the frontends share for HLS between
# them, and with one frontend behind CloudFront a
# group holding only the origin-facing prefix list: the list counts as about
# 55 rules against the 60 a group may hold, so it does not share one.
locals {
  edge_groups = merge(
    local.fleet ? {
      ingest-lb = "RTMP from the streamer to the frontends"
      https-lb  = "HTTPS from viewers or CloudFront to the frontends"
      hls-peers = "HLS between the frontends (a local miss asks the others)"
    } : {},
    local.cdn_on && !local.fleet ? { cloudfront-origin = "HTTPS from CloudFront to the frontend" } : {},
  )
}

resource "aws_security_group" "edge" {
  for_each = local.edge_groups

  name_prefix = "${var.name}-${each.key}-"
  description = "vstream ${var.name}-${each.key}: ${each.value}"
  vpc_id      = module.network.vpc_id

  tags = { Name = "${var.name}-${each.key}" }

  lifecycle {
    create_before_destroy = true
  }
}

locals {
  lb_rules = local.cdn_on && !local.fleet ? {
    frontend-in-https-cloudfront = { sg = aws_security_group.edge["cloudfront-origin"].id, ingress = true, description = "HTTPS from CloudFront (origin-facing prefix list)", port = 443, peer_sg = null, cidr = null, prefix_list = data.aws_ec2_managed_prefix_list.cloudfront[0].id }
    } : local.fleet ? merge(
    {
      ingest-in-rtmp = { sg = aws_security_group.edge["ingest-lb"].id, ingress = true, description = "RTMP from the streamer", port = 1935, peer_sg = module.streamer.security_group_id, cidr = null, prefix_list = null }
    },
    { for i, f in module.frontend : "ingest-out-rtmp-frontend${i + 1}" => { sg = aws_security_group.edge["ingest-lb"].id, ingress = false, description = "RTMP and health checks to frontend ${i + 1}", port = 1935, peer_sg = f.security_group_id, cidr = null, prefix_list = null } },
    {
      https-in = local.cdn_on ? {
        sg = aws_security_group.edge["https-lb"].id, ingress = true, description = "HTTPS from CloudFront (origin-facing prefix list)", port = 443, peer_sg = null, cidr = null, prefix_list = data.aws_ec2_managed_prefix_list.cloudfront[0].id
        } : {
        sg = aws_security_group.edge["https-lb"].id, ingress = true, description = "HTTPS from anywhere (HLS, player)", port = 443, peer_sg = null, cidr = local.anywhere, prefix_list = null
      }
    },
    local.cdn_on ? {} : {
      http-in = { sg = aws_security_group.edge["https-lb"].id, ingress = true, description = "HTTP from anywhere (redirect)", port = 80, peer_sg = null, cidr = local.anywhere, prefix_list = null }
    },
    { for i, f in module.frontend : "https-out-frontend${i + 1}" => { sg = aws_security_group.edge["https-lb"].id, ingress = false, description = "HTTPS and health checks to frontend ${i + 1}", port = 443, peer_sg = f.security_group_id, cidr = null, prefix_list = null } },
    # every frontend holds this group too: plain HTTP on the private
    # network, to and from the group itself, on the peers' port only
    {
      peers-in  = { sg = aws_security_group.edge["hls-peers"].id, ingress = true, description = "HLS from the other frontends", port = local.hls_peer_port, peer_sg = aws_security_group.edge["hls-peers"].id, cidr = null, prefix_list = null }
      peers-out = { sg = aws_security_group.edge["hls-peers"].id, ingress = false, description = "HLS to the other frontends", port = local.hls_peer_port, peer_sg = aws_security_group.edge["hls-peers"].id, cidr = null, prefix_list = null }
    },
  ) : {}
}

resource "aws_vpc_security_group_ingress_rule" "lb" {
  for_each = { for k, r in local.lb_rules : k => r if r.ingress }

  security_group_id            = each.value.sg
  description                  = each.value.description
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  referenced_security_group_id = each.value.peer_sg
  cidr_ipv4                    = each.value.cidr
  prefix_list_id               = each.value.prefix_list

  tags = { Name = "${var.name}-${each.key}" }
}

resource "aws_vpc_security_group_egress_rule" "lb" {
  for_each = { for k, r in local.lb_rules : k => r if !r.ingress }

  security_group_id            = each.value.sg
  description                  = each.value.description
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  referenced_security_group_id = each.value.peer_sg

  tags = { Name = "${var.name}-${each.key}" }
}

# Ingest: internal, in the private subnets, one node per zone, any node to
# any frontend.
resource "aws_lb" "ingest" {
  count = local.fleet ? 1 : 0

  name_prefix                      = "ingst-"
  internal                         = true
  load_balancer_type               = "network"
  subnets                          = module.network.private_subnet_ids
  security_groups                  = [aws_security_group.edge["ingest-lb"].id]
  enable_cross_zone_load_balancing = true

  tags = { Name = "${var.name}-ingest" }
}

resource "aws_lb_target_group" "ingest" {
  count = local.fleet ? 1 : 0

  name_prefix        = "rtmp-"
  port               = 1935
  protocol           = "TCP"
  target_type        = "instance"
  vpc_id             = module.network.vpc_id
  preserve_client_ip = "true"

  health_check {
    protocol            = "TCP"
    port                = "traffic-port"
    interval            = 10
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }

  tags = { Name = "${var.name}-ingest" }
}

resource "aws_lb_listener" "ingest" {
  count = local.fleet ? 1 : 0

  load_balancer_arn = aws_lb.ingest[0].arn
  port              = 1935
  protocol          = "TCP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.ingest[0].arn
  }
}

resource "aws_lb_target_group_attachment" "ingest" {
  count = local.fleet ? var.frontend_count : 0

  target_group_arn = aws_lb_target_group.ingest[0].arn
  target_id        = module.frontend[count.index].id
  port             = 1935
}

# HTTPS: internet-facing, in the public subnets.
module "https_certificate" {
  source = "./modules/certificate"
  count  = local.fleet ? 1 : 0

  domain_name = var.domain_name
  zone_id     = var.hosted_zone_id
}

resource "aws_lb" "https" {
  count = local.fleet ? 1 : 0

  name_prefix                = "https-"
  internal                   = false
  load_balancer_type         = "application"
  subnets                    = module.network.public_subnet_ids
  security_groups            = [aws_security_group.edge["https-lb"].id]
  drop_invalid_header_fields = true

  tags = { Name = "${var.name}-https" }
}

resource "aws_lb_target_group" "https" {
  count = local.fleet ? 1 : 0

  name_prefix = "https-"
  port        = 443
  protocol    = "HTTPS"
  target_type = "instance"
  vpc_id      = module.network.vpc_id

  health_check {
    protocol            = "HTTPS"
    path                = "/"
    matcher             = "200-399"
    interval            = 10
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }

  tags = { Name = "${var.name}-https" }
}

resource "aws_lb_listener" "https" {
  count = local.fleet ? 1 : 0

  load_balancer_arn = aws_lb.https[0].arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = module.https_certificate[0].arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.https[0].arn
  }
}

resource "aws_lb_listener" "http" {
  count = local.fleet && !local.cdn_on ? 1 : 0

  load_balancer_arn = aws_lb.https[0].arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"

    redirect {
      protocol    = "HTTPS"
      port        = "443"
      status_code = "HTTP_301"
    }
  }
}

resource "aws_lb_target_group_attachment" "https" {
  count = local.fleet ? var.frontend_count : 0

  target_group_arn = aws_lb_target_group.https[0].arn
  target_id        = module.frontend[count.index].id
  port             = 443
}

resource "aws_route53_record" "https_lb" {
  count = local.fleet ? 1 : 0

  zone_id = var.hosted_zone_id
  name    = var.domain_name
  type    = "A"

  alias {
    name                   = aws_lb.https[0].dns_name
    zone_id                = aws_lb.https[0].zone_id
    evaluate_target_health = true
  }
}
