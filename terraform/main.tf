# vstream on AWS: one VPC with a public subnet (frontends, bastion) and a
# private one (streamer, the optional monitoring host).  The bastion is the
# only SSH entry (from admin_cidr) and, by default, the private subnet's NAT
# instance.  The frontends serve HLS over HTTPS (to anyone, or only to
# CloudFront with cdn_enabled) and take RTMP only from the private subnet
# (RTMPS from ingest_public_cidrs).  Several frontends (frontend_count) sit
# behind an internal NLB for ingest and an ALB for HTTPS (fleet.tf).
# Ansible (ansible/site.yml) configures the hosts from the inventory this
# stack renders (output ansible_inventory).

provider "aws" {
  region = var.region

  default_tags {
    tags = merge(var.tags, { Project = "vstream", ManagedBy = "terraform" })
  }
}

# CloudFront takes certificates from us-east-1 only.
provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"

  default_tags {
    tags = merge(var.tags, { Project = "vstream", ManagedBy = "terraform" })
  }
}

# The frontend was one module instance before frontend_count.
moved {
  from = module.frontend
  to   = module.frontend[0]
}

locals {
  nat_instance = !var.nat_gateway
  dns_enabled  = var.domain_name != "" && var.hosted_zone_id != ""
  anywhere     = "0.0.0.0/0"

  fleet  = var.frontend_count > 1
  cdn_on = var.cdn_enabled

  # The hosts live in the first zone's subnets, at fixed host numbers, so the
  # frontend's private address (the streamer's RTMP target) is known ahead;
  # frontend i goes to zone i mod az_count, at host number 10 + i.
  public_subnet_cidr    = module.network.public_subnet_cidrs[0]
  private_subnet_cidr   = module.network.private_subnet_cidrs[0]
  frontend_zone         = [for i in range(var.frontend_count) : i % var.az_count]
  frontend_private_ips  = [for i in range(var.frontend_count) : cidrhost(module.network.public_subnet_cidrs[local.frontend_zone[i]], 10 + i)]
  frontend_private_ip   = local.frontend_private_ips[0]
  bastion_private_ip    = cidrhost(local.public_subnet_cidr, 20)
  streamer_private_ip   = cidrhost(local.private_subnet_cidr, 30)
  monitoring_private_ip = cidrhost(local.private_subnet_cidr, 40)

  # With a domain the one frontend keeps its address (the record's value).
  frontend_elastic_ip = var.elastic_ips || (local.dns_enabled && !local.fleet)

  # Prometheus scrapes the frontends' 443 from here.
  monitoring_security_group_id = var.monitoring_instance ? module.monitoring[0].security_group_id : module.bastion.security_group_id

  instance_types = distinct(concat(
    [var.instances.frontend.instance_type, var.instances.bastion.instance_type, var.instances.streamer.instance_type],
    var.monitoring_instance ? [var.instances.monitoring.instance_type] : [],
  ))

  # The frontends' HTTPS: from anywhere; only CloudFront with the CDN; only
  # the HTTPS load balancer with several frontends.  Always from Prometheus.
  frontend_https = merge(
    local.fleet ? {
      https-lb = { description = "HTTPS from the load balancer", from_port = 443, referenced_security_group_id = aws_security_group.edge["https-lb"].id }
      } : local.cdn_on ? {
      # CloudFront's rule is in a group of its own (fleet.tf).
      } : {
      https = { description = "HTTPS from anywhere (HLS, player)", from_port = 443, cidr_ipv4 = local.anywhere }
    },
    { https-monitoring = { description = "HTTPS from Prometheus (metrics)", from_port = 443, referenced_security_group_id = local.monitoring_security_group_id } },
  )
  # Port 80: redirects and ACME without the CDN; with it only ACME, so only
  # with a domain; never behind the load balancer (it holds the certificate).
  frontend_http = local.fleet || (local.cdn_on && !local.dns_enabled) ? {} : {
    http = { description = local.cdn_on ? "HTTP from anywhere (ACME only)" : "HTTP from anywhere (redirect, ACME)", from_port = 80, cidr_ipv4 = local.anywhere }
  }
  frontend_rtmps = {
    for i, cidr in var.ingest_public_cidrs : "rtmps-public-${i}" => {
      description = "RTMPS from ${cidr}"
      from_port   = var.rtmps_port
      cidr_ipv4   = cidr
    }
  }

  # Packages, ACME and webhooks: plain and TLS HTTP out to anywhere.
  web_egress = {
    http  = { description = "HTTP out (packages)", from_port = 80, cidr_ipv4 = local.anywhere }
    https = { description = "HTTPS out (packages, ACME, webhooks)", from_port = 443, cidr_ipv4 = local.anywhere }
  }

  # Per private subnet (one per zone): a rule for the given port.
  from_private_subnets = {
    for port_name, port in { rtmp = 1935, http = 80, https = 443 } : port_name => {
      for i, cidr in module.network.private_subnet_cidrs : "${port_name}-private-${i}" => {
        description = "${upper(port_name)} from private subnet ${cidr}"
        from_port   = port
        cidr_ipv4   = cidr
      }
    }
  }

  bastion_user_data = <<-EOT
    #!/bin/sh
    # NAT instance: forward at once.  The Ansible nat role (make deploy) makes
    # it last and adds the masquerading rules.
    sysctl -w net.ipv4.ip_forward=1
  EOT
}

module "network" {
  source = "./modules/network"

  name                              = var.name
  vpc_cidr                          = var.vpc_cidr
  subnet_newbits                    = 24 - tonumber(split("/", var.vpc_cidr)[1])
  az_count                          = var.az_count
  instance_types                    = local.instance_types
  flow_logs                         = { enabled = var.flow_logs_enabled, retention_days = var.flow_logs_retention_days }
  nat_gateway                       = var.nat_gateway
  nat_instance_network_interface_id = local.nat_instance ? module.bastion.primary_network_interface_id : null
}

# The key pair holds only the public key: no private key ever enters the state.
resource "aws_key_pair" "admin" {
  key_name_prefix = "${var.name}-admin-"
  public_key      = trimspace(var.ssh_public_key)
}

module "bastion" {
  source = "./modules/instance"

  name          = "${var.name}-bastion"
  vpc_id        = module.network.vpc_id
  subnet_id     = module.network.public_subnet_ids[0]
  private_ip    = local.bastion_private_ip
  instance_type = var.instances.bastion.instance_type
  root_volume   = { size = var.instances.bastion.volume_size }
  ami           = { ami_id = var.ami_id }
  key_name      = aws_key_pair.admin.key_name
  public_ip     = true
  elastic_ip    = var.elastic_ips
  nat_instance  = local.nat_instance
  user_data     = local.nat_instance ? local.bastion_user_data : null

  internet_gateway_id  = module.network.internet_gateway_id
  iam_instance_profile = var.monitoring_instance ? null : module.monitoring_role.instance_profile_name

  rules = {
    ingress = merge(
      { ssh = { description = "SSH from the admin", from_port = 22, cidr_ipv4 = var.admin_cidr } },
      # As the NAT instance: the private subnet's package traffic.
      local.nat_instance ? local.from_private_subnets.http : {},
      local.nat_instance ? local.from_private_subnets.https : {},
    )
    egress = merge(
      local.web_egress,
      { for i, f in module.frontend : "ssh-frontend${local.fleet ? i + 1 : ""}" => { description = local.fleet ? "SSH to frontend ${i + 1}" : "SSH to the frontend", from_port = 22, referenced_security_group_id = f.security_group_id } },
      { ssh-streamer = { description = "SSH to the streamer", from_port = 22, referenced_security_group_id = module.streamer.security_group_id } },
      var.monitoring_instance ? { ssh-monitoring = { description = "SSH to the monitoring host", from_port = 22, referenced_security_group_id = module.monitoring[0].security_group_id } } : {},
    )
  }
}

module "frontend" {
  source = "./modules/instance"
  count  = var.frontend_count

  name          = local.fleet ? "${var.name}-frontend${count.index + 1}" : "${var.name}-frontend"
  vpc_id        = module.network.vpc_id
  subnet_id     = module.network.public_subnet_ids[local.frontend_zone[count.index]]
  private_ip    = local.frontend_private_ips[count.index]
  instance_type = var.instances.frontend.instance_type
  root_volume   = { size = var.instances.frontend.volume_size }
  ami           = { ami_id = var.ami_id }
  key_name      = aws_key_pair.admin.key_name
  public_ip     = true
  elastic_ip    = local.frontend_elastic_ip
  dns_record    = local.dns_enabled && !local.fleet ? { zone_id = var.hosted_zone_id, name = var.domain_name } : null
  # Prometheus finds the frontends by this tag (ec2_sd_configs).
  tags = { VstreamRole = "frontend" }

  internet_gateway_id = module.network.internet_gateway_id
  additional_security_group_ids = (
    local.cdn_on && !local.fleet ? [aws_security_group.edge["cloudfront-origin"].id] :
    local.fleet ? [aws_security_group.edge["hls-peers"].id] : []
  )
  iam_instance_profile = var.recordings_bucket_enabled ? module.recordings[0].instance_profile_name : null

  rules = {
    ingress = merge(
      { ssh = { description = "SSH from the bastion", from_port = 22, referenced_security_group_id = module.bastion.security_group_id } },
      local.frontend_http,
      local.frontend_https,
      local.from_private_subnets.rtmp,
      local.frontend_rtmps,
    )
    egress = local.web_egress
  }
}

module "streamer" {
  source = "./modules/instance"

  name          = "${var.name}-streamer"
  vpc_id        = module.network.vpc_id
  subnet_id     = module.network.private_subnet_ids[0]
  private_ip    = local.streamer_private_ip
  instance_type = var.instances.streamer.instance_type
  root_volume   = { size = var.instances.streamer.volume_size }
  ami           = { ami_id = var.ami_id }
  key_name      = aws_key_pair.admin.key_name

  rules = {
    ingress = {
      ssh = { description = "SSH from the bastion", from_port = 22, referenced_security_group_id = module.bastion.security_group_id }
    }
    egress = merge(
      local.web_egress,
      local.fleet ? {
        rtmp-ingest-lb = { description = "RTMP to the ingest load balancer", from_port = 1935, referenced_security_group_id = aws_security_group.edge["ingest-lb"].id }
        } : {
        rtmp-frontend = { description = "RTMP to the frontend", from_port = 1935, referenced_security_group_id = module.frontend[0].security_group_id }
      },
    )
  }
}

# Prometheus on a host of its own (monitoring_instance), in the private
# subnet: SSH from the bastion, out only to the web (packages, the EC2 API)
# through the NAT; the frontends let its group reach their 443.
module "monitoring" {
  source = "./modules/instance"
  count  = var.monitoring_instance ? 1 : 0

  name          = "${var.name}-monitoring"
  vpc_id        = module.network.vpc_id
  subnet_id     = module.network.private_subnet_ids[0]
  private_ip    = local.monitoring_private_ip
  instance_type = var.instances.monitoring.instance_type
  root_volume   = { size = var.instances.monitoring.volume_size }
  ami           = { ami_id = var.ami_id }
  key_name      = aws_key_pair.admin.key_name

  iam_instance_profile = module.monitoring_role.instance_profile_name

  rules = {
    ingress = {
      ssh = { description = "SSH from the bastion", from_port = 22, referenced_security_group_id = module.bastion.security_group_id }
    }
    egress = local.web_egress
  }
}

module "inventory" {
  source = "./modules/inventory"

  frontends           = [for f in module.frontend : { id = f.id, public_ip = f.public_ip, private_ip = f.private_ip }]
  bastion             = { id = module.bastion.id, public_ip = module.bastion.public_ip, private_ip = module.bastion.private_ip }
  streamer            = { id = module.streamer.id, private_ip = module.streamer.private_ip }
  monitoring          = var.monitoring_instance ? { id = module.monitoring[0].id, private_ip = module.monitoring[0].private_ip } : null
  ingest_host         = local.fleet ? aws_lb.ingest[0].dns_name : null
  public_subnet_cidr  = local.public_subnet_cidr
  private_subnet_cidr = local.private_subnet_cidr
  domain_name         = local.dns_enabled ? var.domain_name : ""
  extra_vars = {
    vpc_cidr             = var.vpc_cidr
    aws_region           = var.region
    public_subnet_cidrs  = module.network.public_subnet_cidrs
    private_subnet_cidrs = module.network.private_subnet_cidrs
    frontend_tag         = { VstreamRole = "frontend" }
    frontend_behind_lb   = local.fleet
    hls_peer_port        = local.hls_peer_port
    cdn_enabled          = local.cdn_on
    cdn_domain_name      = local.cdn_on ? module.cdn[0].domain_name : ""
    # Who may name the viewer in X-Forwarded-For (the nginx role's realip,
    # so that HLS viewers are counted as themselves): the ALB's subnets and
    # CloudFront's origin-facing ranges, as AWS lists them at plan time.
    realip_from = concat(
      local.fleet ? module.network.public_subnet_cidrs : [],
      local.cdn_on ? sort([for e in data.aws_ec2_managed_prefix_list.cloudfront[0].entries : e.cidr]) : [],
    )
    rtmps_port           = var.rtmps_port
    ingest_public_cidrs  = var.ingest_public_cidrs
    recordings_s3_bucket = var.recordings_bucket_enabled ? module.recordings[0].bucket : ""
    recordings_s3_region = var.recordings_bucket_enabled ? var.region : ""
    recordings_s3_prefix = var.recordings_bucket_enabled ? module.recordings[0].prefix : ""
  }
}
