# The root stack, offline: the aws provider is mocked and every run is a
# plan.  IDs and addresses the real plan would only learn from AWS are fixed
# by overrides at plan time, so each rule can be checked against its peer.

mock_provider "aws" {
  override_during = plan

  # Generated at plan time: only whether the record exists is checked.
  mock_resource "aws_route53_record" {}

  mock_data "aws_ami" {
    defaults = {
      id = "ami-0d1eb1a2b3c4d5e6f"
    }
  }

  mock_data "aws_ec2_managed_prefix_list" {
    defaults = {
      id = "pl-3b927c52"
      entries = [
        { cidr = "130.176.0.0/18", description = "" },
        { cidr = "13.32.0.0/15", description = "" },
      ]
    }
  }

  mock_resource "aws_cloudfront_function" {
    defaults = {
      arn = "arn:aws:cloudfront::111122223333:function/vstream-viewer-request"
    }
  }

  mock_resource "aws_cloudfront_distribution" {
    defaults = {
      id             = "E2EXAMPLE0CDN"
      arn            = "arn:aws:cloudfront::111122223333:distribution/E2EXAMPLE0CDN"
      domain_name    = "d111111abcdef8.cloudfront.net"
      hosted_zone_id = "Z2FDTNDATAQYW2"
    }
  }

  mock_resource "aws_cloudfront_origin_request_policy" {
    defaults = {
      id = "orp-viewer-address"
    }
  }

  mock_resource "aws_cloudfront_origin_access_control" {
    defaults = {
      id = "E3OACEXAMPLE"
    }
  }

  mock_resource "aws_s3_bucket" {
    defaults = {
      id                          = "vstream-recordings-0001"
      arn                         = "arn:aws:s3:::vstream-recordings-0001"
      bucket_regional_domain_name = "vstream-recordings-0001.s3.xx-test-1.amazonaws.com"
    }
  }

  mock_resource "aws_iam_instance_profile" {}
  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::111122223333:role/vstream-role"
    }
  }
  mock_resource "aws_lb" {}
  mock_resource "aws_subnet" {}
  mock_resource "aws_lb_target_group" {}
  mock_resource "aws_acm_certificate" {
    defaults = {
      arn = "arn:aws:acm:xx-test-1:111122223333:certificate/lb"
      domain_validation_options = [{
        domain_name           = "live.example.org"
        resource_record_name  = "_lb.live.example.org."
        resource_record_type  = "CNAME"
        resource_record_value = "_lb.acm-validations.aws."
      }]
    }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:xx-test-1:111122223333:log-group:/vstream/vstream/vpc-flow-logs"
    }
  }
}

# CloudFront's certificate (cdn_alias_domain) comes from us-east-1.
mock_provider "aws" {
  alias           = "us_east_1"
  override_during = plan

  mock_resource "aws_acm_certificate" {
    defaults = {
      arn = "arn:aws:acm:us-east-1:111122223333:certificate/cdn"
      domain_validation_options = [{
        domain_name           = "cdn.example.org"
        resource_record_name  = "_cdn.cdn.example.org."
        resource_record_type  = "CNAME"
        resource_record_value = "_cdn.acm-validations.aws."
      }]
    }
  }
}

# Every zone offers every type but t3.small in zone b: with two zones, the
# hosts' zones are a and c.
override_data {
  target          = module.network.data.aws_ec2_instance_type_offerings.this
  override_during = plan
  values = {
    locations      = ["xx-test-1a", "xx-test-1a", "xx-test-1b", "xx-test-1c", "xx-test-1c"]
    instance_types = ["t3.micro", "t3.small", "t3.micro", "t3.micro", "t3.small"]
  }
}

override_data {
  target          = module.network.data.aws_availability_zones.available
  override_during = plan
  values = {
    names = ["xx-test-1a", "xx-test-1b", "xx-test-1c"]
  }
}

override_resource {
  target          = module.frontend[0].aws_security_group.this
  override_during = plan
  values          = { id = "sg-0f00000000000000f" }
}

override_resource {
  target          = module.frontend[1].aws_security_group.this
  override_during = plan
  values          = { id = "sg-0f10000000000000f" }
}

override_resource {
  target          = module.frontend[2].aws_security_group.this
  override_during = plan
  values          = { id = "sg-0f20000000000000f" }
}

override_resource {
  target          = module.bastion.aws_security_group.this
  override_during = plan
  values          = { id = "sg-0b00000000000000b" }
}

override_resource {
  target          = module.streamer.aws_security_group.this
  override_during = plan
  values          = { id = "sg-0500000000000005" }
}

override_resource {
  target          = module.frontend[0].aws_instance.this
  override_during = plan
  values          = { id = "i-0f00000000000000f", public_ip = "203.0.113.10", primary_network_interface_id = "eni-0f00000000000000f" }
}

override_resource {
  target          = module.frontend[1].aws_instance.this
  override_during = plan
  values          = { id = "i-0f10000000000000f", public_ip = "203.0.113.11" }
}

override_resource {
  target          = module.frontend[2].aws_instance.this
  override_during = plan
  values          = { id = "i-0f20000000000000f", public_ip = "203.0.113.12" }
}

override_resource {
  target          = module.frontend[0].aws_eip.this
  override_during = plan
  values          = { public_ip = "198.51.100.10" }
}

override_resource {
  target          = module.monitoring[0].aws_security_group.this
  override_during = plan
  values          = { id = "sg-0a00000000000000a" }
}

override_resource {
  target          = aws_security_group.edge["ingest-lb"]
  override_during = plan
  values          = { id = "sg-01b0000000000001b" }
}

override_resource {
  target          = aws_security_group.edge["https-lb"]
  override_during = plan
  values          = { id = "sg-02b0000000000002b" }
}

override_resource {
  target          = aws_security_group.edge["hls-peers"]
  override_during = plan
  values          = { id = "sg-03b0000000000003b" }
}

override_resource {
  target          = aws_security_group.edge["cloudfront-origin"]
  override_during = plan
  values          = { id = "sg-0cf000000000000cf" }
}

override_resource {
  target          = aws_lb.ingest
  override_during = plan
  values          = { arn = "arn:aws:elasticloadbalancing:xx-test-1:111122223333:loadbalancer/net/ingest/1", dns_name = "ingst-1.elb.xx-test-1.amazonaws.com" }
}

override_resource {
  target          = aws_lb.https
  override_during = plan
  values          = { arn = "arn:aws:elasticloadbalancing:xx-test-1:111122223333:loadbalancer/app/https/2", dns_name = "https-2.xx-test-1.elb.amazonaws.com", zone_id = "ZLBEXAMPLE" }
}

override_resource {
  target          = aws_lb_target_group.ingest
  override_during = plan
  values          = { arn = "arn:aws:elasticloadbalancing:xx-test-1:111122223333:targetgroup/rtmp/1" }
}

override_resource {
  target          = aws_lb_target_group.https
  override_during = plan
  values          = { arn = "arn:aws:elasticloadbalancing:xx-test-1:111122223333:targetgroup/https/2" }
}

override_resource {
  target          = module.cdn[0].aws_cloudfront_cache_policy.this["playlists"]
  override_during = plan
  values          = { id = "cp-playlists" }
}

override_resource {
  target          = module.cdn[0].aws_cloudfront_cache_policy.this["segments"]
  override_during = plan
  values          = { id = "cp-segments" }
}

override_resource {
  target          = module.cdn[0].aws_cloudfront_cache_policy.this["pages"]
  override_during = plan
  values          = { id = "cp-pages" }
}

override_resource {
  target          = module.cdn[0].aws_cloudfront_cache_policy.this["recordings"]
  override_during = plan
  values          = { id = "cp-recordings" }
}

override_resource {
  target          = module.monitoring_role.aws_iam_instance_profile.this
  override_during = plan
  values          = { name = "vstream-monitoring-1" }
}

override_resource {
  target          = module.recordings[0].module.frontend_role.aws_iam_instance_profile.this
  override_during = plan
  values          = { name = "vstream-frontend-1" }
}

override_resource {
  target          = module.bastion.aws_instance.this
  override_during = plan
  values          = { id = "i-0b00000000000000b", public_ip = "203.0.113.20", primary_network_interface_id = "eni-0b00000000000000b" }
}

override_resource {
  target          = module.streamer.aws_instance.this
  override_during = plan
  values          = { id = "i-0c00000000000000c" }
}

override_resource {
  target          = module.monitoring[0].aws_instance.this
  override_during = plan
  values          = { id = "i-0d00000000000000d" }
}

override_resource {
  target          = module.network.aws_nat_gateway.this
  override_during = plan
  values          = { id = "nat-0123456789abcdef0" }
}

variables {
  ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGV4YW1wbGUga2V5IGZvciB0ZXN0cyBvbmx5 admin@example"
  admin_cidr     = "198.51.100.7/32"
}

run "defaults" {
  command = plan

  # Network: CIDR arithmetic and the NAT instance route.
  assert {
    condition     = output.public_subnet_cidr == "10.0.1.0/24" && output.private_subnet_cidr == "10.0.2.0/24"
    error_message = "A 10.0.0.0/16 VPC has the public subnet 10.0.1.0/24 and the private one 10.0.2.0/24."
  }
  assert {
    condition     = output.frontend_private_ip == "10.0.1.10" && module.bastion.private_ip == "10.0.1.20" && output.streamer_private_ip == "10.0.2.30"
    error_message = "The hosts sit at host numbers 10 (frontend), 20 (bastion) and 30 (streamer)."
  }
  assert {
    condition = jsonencode(module.network.private_default_route) == jsonencode({
      destination_cidr_block = "0.0.0.0/0"
      nat_gateway_id         = null
      network_interface_id   = "eni-0b00000000000000b"
    })
    error_message = "The private default route goes through the bastion's primary network interface."
  }
  assert {
    condition     = module.network.nat_gateway_public_ip == null && module.network.flow_logs == null && output.flow_log_group == null
    error_message = "No NAT gateway and no flow logs by default."
  }
  assert {
    condition     = module.network.availability_zones == tolist(["xx-test-1a"])
    error_message = "The hosts' zone offers their instance types (t3.micro and t3.small)."
  }

  # Instances: IMDSv2, encrypted root volumes; only the bastion forwards.
  assert {
    condition = alltrue([
      for h in [module.frontend[0].hardening, module.bastion.hardening, module.streamer.hardening] :
      h.metadata_http_tokens == "required" && h.root_volume_encrypted
    ])
    error_message = "Every host requires IMDSv2 tokens and has an encrypted root volume."
  }
  assert {
    condition     = !module.bastion.hardening.source_dest_check && module.frontend[0].hardening.source_dest_check && module.streamer.hardening.source_dest_check
    error_message = "Only the bastion (the NAT instance) has the source/destination check off."
  }
  # The lookup itself, not the mock's answer: Debian's account, newest,
  # Debian 12 amd64 HVM on EBS.
  assert {
    condition = alltrue([
      for l in [module.frontend[0].ami_lookup, module.bastion.ami_lookup, module.streamer.ami_lookup] :
      l.owners == tolist(["136693071363"]) && l.most_recent && l.filters == {
        name                = toset(["debian-12-amd64-*"])
        architecture        = toset(["x86_64"])
        virtualization-type = toset(["hvm"])
        root-device-type    = toset(["ebs"])
      }
    ])
    error_message = "Every host looks up the newest Debian 12 amd64 HVM/EBS image from Debian's account (136693071363)."
  }
  assert {
    condition     = aws_key_pair.admin.public_key == var.ssh_public_key
    error_message = "The key pair holds the given public key."
  }
  assert {
    condition     = module.bastion.user_data == "#!/bin/sh\n# NAT instance: forward at once.  The Ansible nat role (make deploy) makes\n# it last and adds the masquerading rules.\nsysctl -w net.ipv4.ip_forward=1\n" && module.frontend[0].user_data == null && module.streamer.user_data == null
    error_message = "The bastion's user data turns on forwarding at boot (NAT instance); the others have none."
  }

  # Security groups, rule by rule, both directions: protocol, ports, peer.
  assert {
    condition = alltrue(flatten([
      for m in [
        { sg = "sg-0f00000000000000f", rules = module.frontend[0].security_group_rules },
        { sg = "sg-0b00000000000000b", rules = module.bastion.security_group_rules },
        { sg = "sg-0500000000000005", rules = module.streamer.security_group_rules },
      ] : [for r in concat(values(m.rules.ingress), values(m.rules.egress)) : r.security_group_id == m.sg]
    ]))
    error_message = "Every rule sits on its own host's group."
  }
  assert {
    condition = module.frontend[0].rule_summary.ingress == {
      http             = "tcp 80-80 0.0.0.0/0"
      https            = "tcp 443-443 0.0.0.0/0"
      https-monitoring = "tcp 443-443 sg-0b00000000000000b"
      rtmp-private-0   = "tcp 1935-1935 10.0.2.0/24"
      ssh              = "tcp 22-22 sg-0b00000000000000b"
    }
    error_message = "frontend in: 80 and 443 from anywhere, 443 from Prometheus (the bastion), 1935 from the private subnet only, 22 from the bastion's group only; no RTMPS without ingest_public_cidrs."
  }
  assert {
    condition = module.bastion.rule_summary.ingress == {
      ssh             = "tcp 22-22 198.51.100.7/32"
      http-private-0  = "tcp 80-80 10.0.2.0/24"
      https-private-0 = "tcp 443-443 10.0.2.0/24"
    }
    error_message = "bastion in: 22 from admin_cidr only; 80 and 443 (NAT) from the private subnet only."
  }
  assert {
    condition = module.streamer.rule_summary.ingress == {
      ssh = "tcp 22-22 sg-0b00000000000000b"
    }
    error_message = "streamer in: 22 from the bastion's group, nothing else."
  }
  assert {
    condition = module.frontend[0].rule_summary.egress == {
      http  = "tcp 80-80 0.0.0.0/0"
      https = "tcp 443-443 0.0.0.0/0"
    }
    error_message = "frontend out: 80 and 443 anywhere (packages, ACME, webhooks), nothing else."
  }
  assert {
    condition = module.bastion.rule_summary.egress == {
      http         = "tcp 80-80 0.0.0.0/0"
      https        = "tcp 443-443 0.0.0.0/0"
      ssh-frontend = "tcp 22-22 sg-0f00000000000000f"
      ssh-streamer = "tcp 22-22 sg-0500000000000005"
    }
    error_message = "bastion out: 80 and 443 anywhere, 22 to the frontend's and the streamer's groups, nothing else."
  }
  assert {
    condition = module.streamer.rule_summary.egress == {
      http          = "tcp 80-80 0.0.0.0/0"
      https         = "tcp 443-443 0.0.0.0/0"
      rtmp-frontend = "tcp 1935-1935 sg-0f00000000000000f"
    }
    error_message = "streamer out: 80 and 443 anywhere (through the NAT), 1935 to the frontend's group, nothing else."
  }
  assert {
    condition = alltrue(flatten([
      for rules in [module.frontend[0].security_group_rules.ingress, module.bastion.security_group_rules.ingress, module.streamer.security_group_rules.ingress] : [
        for r in values(rules) :
        !(
          (r.cidr_ipv4 == "0.0.0.0/0" || r.cidr_ipv6 == "::/0") &&
          (r.ip_protocol == "-1" || (r.from_port <= 22 && 22 <= r.to_port) || (r.from_port <= 1935 && 1935 <= r.to_port))
        )
      ]
    ]))
    error_message = "No rule anywhere lets 0.0.0.0/0 or ::/0 reach port 22 or 1935."
  }

  # One frontend, no CDN, no load balancers, no bucket.
  assert {
    condition = (
      length(aws_lb.ingest) == 0 && length(aws_lb.https) == 0 && length(aws_lb_target_group_attachment.ingest) == 0 &&
      length(module.cdn) == 0 && length(module.recordings) == 0 && length(module.monitoring) == 0 &&
      length(data.aws_ec2_managed_prefix_list.cloudfront) == 0
    )
    error_message = "The defaults create no load balancer, CDN, bucket or monitoring host."
  }
  assert {
    condition     = output.cdn_domain_name == null && output.https_lb_dns_name == null && output.recordings_bucket == null && output.ingest_host == "10.0.1.10"
    error_message = "Without the CDN and the fleet, the streamer publishes to the frontend's private address."
  }

  # Prometheus on the bastion: its instance profile may describe instances.
  assert {
    condition     = module.bastion.iam_instance_profile == "vstream-monitoring-1" && module.frontend[0].iam_instance_profile == null && module.streamer.iam_instance_profile == null
    error_message = "Only the monitoring host (the bastion by default) has an instance profile."
  }
  assert {
    condition = jsondecode(module.monitoring_role.planned.policy).Statement == [{
      Sid = "PrometheusEc2Discovery", Effect = "Allow", Action = "ec2:DescribeInstances", Resource = "*"
      }] && jsondecode(module.monitoring_role.planned.assume_role_policy).Statement == [{
      Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" }
    }] && module.monitoring_role.planned.wired
    error_message = "The monitoring role allows ec2:DescribeInstances and nothing else, assumed by EC2."
  }

  # Outputs and the inventory, parsed back.
  assert {
    condition     = output.frontend_public_ip == "203.0.113.10" && output.bastion_public_ip == "203.0.113.20" && output.frontend_url == "https://203.0.113.10/"
    error_message = "The public addresses and the player's URL are reported."
  }
  assert {
    condition = yamldecode(output.ansible_inventory).all.vars == {
      ansible_user         = "admin"
      private_subnet_cidr  = "10.0.2.0/24"
      public_subnet_cidr   = "10.0.1.0/24"
      public_subnet_cidrs  = ["10.0.1.0/24"]
      private_subnet_cidrs = ["10.0.2.0/24"]
      frontend_private_ip  = "10.0.1.10"
      frontend_count       = 1
      ingest_host          = "10.0.1.10"
      vstream_peers        = ["10.0.1.10"]
      domain_name          = ""
      vpc_cidr             = "10.0.0.0/16"
      aws_region           = "eu-west-1"
      frontend_tag         = { VstreamRole = "frontend" }
      frontend_behind_lb   = false
      hls_peer_port        = 8081
      cdn_enabled          = false
      cdn_domain_name      = ""
      realip_from          = []
      rtmps_port           = 1936
      ingest_public_cidrs  = []
      recordings_s3_bucket = ""
      recordings_s3_region = ""
      recordings_s3_prefix = ""
    }
    error_message = "The inventory hands the roles the subnets, the RTMP target, the one peer, no domain, CDN, RTMPS or bucket."
  }
  assert {
    condition = yamldecode(output.ansible_inventory).all.children.streamer.hosts.streamer == {
      ansible_host            = "10.0.2.30"
      private_ip              = "10.0.2.30"
      ansible_ssh_common_args = "-o ProxyCommand=\"ssh -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile={{ inventory_dir }}/known_hosts -o HostKeyAlias=i-0b00000000000000b -W %h:%p admin@203.0.113.20\" -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile={{ inventory_dir }}/known_hosts -o HostKeyAlias=i-0c00000000000000c"
    }
    error_message = "The streamer is reached at its private address through the bastion, its host key kept under its instance id."
  }
  assert {
    condition     = yamldecode(output.ansible_inventory).all.children.frontend.hosts.frontend.ansible_host == "203.0.113.10" && yamldecode(output.ansible_inventory).all.children.bastion.hosts.bastion.ansible_host == "203.0.113.20"
    error_message = "The frontend and the bastion are named by their public addresses."
  }
  assert {
    condition     = yamldecode(output.ansible_inventory).all.children.monitoring.hosts == { bastion = {} }
    error_message = "Prometheus runs on the bastion."
  }
}

run "nat_gateway_domain_and_zones" {
  command = plan

  variables {
    nat_gateway    = true
    az_count       = 2
    vpc_cidr       = "172.16.0.0/20"
    domain_name    = "live.example.org"
    hosted_zone_id = "Z0123456789ABCDEFGHIJ"
  }

  assert {
    condition     = module.network.private_default_route.nat_gateway_id == "nat-0123456789abcdef0" && module.network.private_default_route.network_interface_id == null
    error_message = "With nat_gateway, the private default route goes through the NAT gateway."
  }
  assert {
    condition     = module.bastion.hardening.source_dest_check && module.bastion.user_data == null
    error_message = "With a NAT gateway, no host forwards (the bastion keeps its source/destination check, no user data)."
  }
  assert {
    condition     = keys(module.bastion.security_group_rules.ingress) == ["ssh"]
    error_message = "With a NAT gateway, the bastion takes only SSH from admin_cidr."
  }
  assert {
    condition     = output.public_subnet_cidr == "172.16.1.0/24" && output.private_subnet_cidr == "172.16.2.0/24" && output.frontend_private_ip == "172.16.1.10"
    error_message = "Subnets are the VPC's first /24s, whatever its prefix."
  }
  assert {
    condition     = module.network.private_subnet_cidrs == ["172.16.2.0/24", "172.16.4.0/24"]
    error_message = "A second zone adds the next pair of /24s."
  }
  assert {
    condition     = module.network.availability_zones == tolist(["xx-test-1a", "xx-test-1c"])
    error_message = "Zone b does not offer t3.small: the second zone is c."
  }
  assert {
    condition = (
      module.frontend[0].security_group_rules.ingress["rtmp-private-1"].cidr_ipv4 == "172.16.4.0/24" &&
      module.frontend[0].security_group_rules.ingress["rtmp-private-0"].cidr_ipv4 == "172.16.2.0/24"
    )
    error_message = "RTMP is open to each private subnet, and only to them."
  }
  # The record's value must not change with a stop and start: an Elastic IP
  # (mocked 198.51.100.10), even without elastic_ips.
  assert {
    condition     = module.frontend[0].dns_record == { zone_id = "Z0123456789ABCDEFGHIJ", name = "live.example.org", type = "A", records = toset(["198.51.100.10"]) }
    error_message = "With a domain and a zone: an A record live.example.org in the zone, pointing at the frontend's Elastic IP."
  }
  assert {
    condition     = output.frontend_public_ip == "198.51.100.10" && yamldecode(output.ansible_inventory).all.vars.domain_name == "live.example.org"
    error_message = "The frontend's address is its Elastic IP, and the domain goes to the roles (real certificate)."
  }
  assert {
    condition     = output.frontend_url == "https://live.example.org/"
    error_message = "The player's URL uses the domain."
  }
}

run "cdn_one_frontend" {
  command = plan

  variables {
    cdn_enabled    = true
    domain_name    = "live.example.org"
    hosted_zone_id = "Z0123456789ABCDEFGHIJ"
  }

  # The frontend's 443 takes CloudFront's origin-facing addresses only (and
  # Prometheus); 80 stays for ACME since a domain is set.
  assert {
    condition     = data.aws_ec2_managed_prefix_list.cloudfront[0].name == "com.amazonaws.global.cloudfront.origin-facing"
    error_message = "The prefix list is CloudFront's origin-facing one."
  }
  assert {
    condition = module.frontend[0].rule_summary.ingress == {
      http             = "tcp 80-80 0.0.0.0/0"
      https-monitoring = "tcp 443-443 sg-0b00000000000000b"
      rtmp-private-0   = "tcp 1935-1935 10.0.2.0/24"
      ssh              = "tcp 22-22 sg-0b00000000000000b"
    }
    error_message = "With the CDN, the frontend's own group: 443 only from Prometheus, 80 (ACME) from anywhere, nothing else new."
  }
  # The prefix list counts as ~55 rules: it has a group of its own.
  assert {
    condition = {
      for k, r in merge(aws_vpc_security_group_ingress_rule.lb, aws_vpc_security_group_egress_rule.lb) :
      k => "${r.security_group_id} ${r.ip_protocol} ${r.from_port}-${r.to_port} ${coalesce(r.cidr_ipv4, r.referenced_security_group_id, r.prefix_list_id)}"
      } == {
      frontend-in-https-cloudfront = "sg-0cf000000000000cf tcp 443-443 pl-3b927c52"
    }
    error_message = "The CloudFront group: 443 from the origin-facing prefix list, nothing else."
  }
  assert {
    condition     = module.frontend[0].hardening.security_group_ids == toset(["sg-0f00000000000000f", "sg-0cf000000000000cf"]) && length(aws_lb.https) == 0
    error_message = "The frontend is in its own group and the CloudFront group; no load balancer with one frontend."
  }

  # The origin: the frontend by name, HTTPS only, TLS 1.2.
  assert {
    condition = jsonencode(module.cdn[0].distribution.origins) == jsonencode({
      frontends = {
        custom_origin_config     = [{ https_port = 443, origin_protocol_policy = "https-only", origin_ssl_protocols = ["TLSv1.2"] }]
        domain_name              = "live.example.org"
        origin_access_control_id = null
      }
    })
    error_message = "One origin: the frontend at live.example.org, https-only, TLSv1.2."
  }

  # Behaviours in order, with their TTLs and compression.
  assert {
    condition = [for b in module.cdn[0].distribution.behaviours : "${b.path_pattern} ${b.target_origin_id} ${b.ttl.min}/${b.ttl.default}/${b.ttl.max} compress=${b.compress} gzip=${b.gzip}"] == [
      "default frontends 0/60/300 compress=true gzip=true",
      "/vstream/* frontends 0/60/300 compress=false gzip=true",
      "*.m3u8 frontends 0/1/1 compress=true gzip=true",
      "*.ts frontends 0/86400/31536000 compress=false gzip=false",
    ]
    error_message = "Behaviours: /vstream/* first, playlists at most 1 s, segments a day to a year and never compressed, pages briefly."
  }
  # /vstream/* can never reach the origin: every behaviour runs the
  # viewer-request function, which answers 403 for it.
  assert {
    condition = alltrue([
      for b in module.cdn[0].distribution.behaviours :
      b.viewer_request_functions == ["arn:aws:cloudfront::111122223333:function/vstream-viewer-request"]
    ])
    error_message = "Every behaviour, the default included, runs the viewer-request guard."
  }
  assert {
    condition = (
      module.cdn[0].distribution.function_runtime == "cloudfront-js-2.0" &&
      module.cdn[0].distribution.function_code == replace(file("modules/cdn/viewer-request.js"), "@VOD_PREFIX@", "") &&
      strcontains(module.cdn[0].distribution.function_code, "path.indexOf('/vstream/') === 0") &&
      strcontains(module.cdn[0].distribution.function_code, "statusCode: 403")
    )
    error_message = "The guard is modules/cdn/viewer-request.js (run under node by run.sh): 403 for /vstream/, without a bucket prefix."
  }
  assert {
    condition = alltrue([
      for b in module.cdn[0].distribution.behaviours :
      b.viewer_protocol_policy == "redirect-to-https" && b.allowed_methods == toset(["GET", "HEAD"]) && b.origin_request_policy_id == "orp-viewer-address"
    ]) && module.cdn[0].distribution.viewer_headers == toset(["CloudFront-Viewer-Address"])
    error_message = "Viewers are sent to HTTPS, only GET and HEAD pass, and the origin gets CloudFront-Viewer-Address."
  }
  assert {
    condition     = module.cdn[0].distribution.viewer_certificate.cloudfront_default_certificate && length(module.cdn[0].distribution.aliases) == 0 && length(module.cdn[0].distribution.alias_record_types) == 0
    error_message = "Without an alias: the cloudfront.net certificate, no alias records."
  }
  assert {
    condition     = output.cdn_domain_name == "d111111abcdef8.cloudfront.net" && output.frontend_url == "https://d111111abcdef8.cloudfront.net/" && output.cdn_distribution_id == "E2EXAMPLE0CDN"
    error_message = "The CDN's name is reported and is the player's URL."
  }
  assert {
    condition     = yamldecode(output.ansible_inventory).all.vars.cdn_enabled && yamldecode(output.ansible_inventory).all.vars.cdn_domain_name == "d111111abcdef8.cloudfront.net"
    error_message = "The roles learn that CloudFront is in front and its name."
  }
  assert {
    condition     = yamldecode(output.ansible_inventory).all.vars.realip_from == ["13.32.0.0/15", "130.176.0.0/18"]
    error_message = "One frontend behind CloudFront trusts X-Forwarded-For from CloudFront's origin-facing ranges only."
  }
}

run "cdn_alias_monitoring_host_rtmps_flow_logs" {
  command = plan

  variables {
    cdn_enabled              = true
    cdn_alias_domain         = "cdn.example.org"
    domain_name              = "live.example.org"
    hosted_zone_id           = "Z0123456789ABCDEFGHIJ"
    monitoring_instance      = true
    ingest_public_cidrs      = ["198.51.100.0/24", "203.0.113.7/32"]
    flow_logs_enabled        = true
    flow_logs_retention_days = 14
  }

  assert {
    condition = (
      module.cdn[0].distribution.aliases == toset(["cdn.example.org"]) &&
      module.cdn[0].distribution.viewer_certificate.acm_certificate_arn == "arn:aws:acm:us-east-1:111122223333:certificate/cdn" &&
      module.cdn[0].distribution.viewer_certificate.ssl_support_method == "sni-only" &&
      module.cdn[0].distribution.viewer_certificate.minimum_protocol_version == "TLSv1.2_2021" &&
      module.cdn[0].distribution.alias_record_types == ["A", "AAAA"]
    )
    error_message = "The alias gets a us-east-1 certificate (SNI, TLS 1.2 at least) and A/AAAA alias records."
  }
  assert {
    condition     = module.frontend[0].hardening.security_group_ids == toset(["sg-0f00000000000000f", "sg-0cf000000000000cf"])
    error_message = "The frontend's 443 from CloudFront stays in the CloudFront group."
  }
  assert {
    condition     = output.cdn_domain_name == "cdn.example.org"
    error_message = "cdn_domain_name is the alias when there is one."
  }
  assert {
    condition = module.frontend[0].rule_summary.ingress == {
      http             = "tcp 80-80 0.0.0.0/0"
      https-monitoring = "tcp 443-443 sg-0a00000000000000a"
      rtmp-private-0   = "tcp 1935-1935 10.0.2.0/24"
      rtmps-public-0   = "tcp 1936-1936 198.51.100.0/24"
      rtmps-public-1   = "tcp 1936-1936 203.0.113.7/32"
      ssh              = "tcp 22-22 sg-0b00000000000000b"
    }
    error_message = "RTMPS (1936) from each ingest_public_cidrs entry only; 443 from the monitoring host's group, not the bastion's."
  }
  assert {
    condition = (
      module.monitoring[0].private_ip == "10.0.2.40" && module.monitoring[0].iam_instance_profile == "vstream-monitoring-1" &&
      module.bastion.iam_instance_profile == null && output.monitoring_private_ip == "10.0.2.40"
    )
    error_message = "Prometheus's own host sits at 10.0.2.40 with the describe-instances profile; the bastion then has none."
  }
  assert {
    condition = module.monitoring[0].rule_summary.ingress == {
      ssh = "tcp 22-22 sg-0b00000000000000b"
    }
    error_message = "The monitoring host takes SSH from the bastion and nothing else."
  }
  assert {
    condition = module.monitoring[0].rule_summary.egress == {
      http  = "tcp 80-80 0.0.0.0/0"
      https = "tcp 443-443 0.0.0.0/0"
    }
    error_message = "The monitoring host sends 80 and 443 only (packages, the EC2 API, the frontends' metrics)."
  }
  assert {
    condition = module.bastion.rule_summary.egress == {
      http           = "tcp 80-80 0.0.0.0/0"
      https          = "tcp 443-443 0.0.0.0/0"
      ssh-frontend   = "tcp 22-22 sg-0f00000000000000f"
      ssh-monitoring = "tcp 22-22 sg-0a00000000000000a"
      ssh-streamer   = "tcp 22-22 sg-0500000000000005"
    }
    error_message = "The bastion also SSHes to the monitoring host."
  }
  assert {
    condition = yamldecode(output.ansible_inventory).all.children.monitoring.hosts == {
      monitoring = { ansible_host = "10.0.2.40", private_ip = "10.0.2.40", ansible_ssh_common_args = "-o ProxyCommand=\"ssh -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile={{ inventory_dir }}/known_hosts -o HostKeyAlias=i-0b00000000000000b -W %h:%p admin@203.0.113.20\" -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile={{ inventory_dir }}/known_hosts -o HostKeyAlias=i-0d00000000000000d" }
    } && yamldecode(output.ansible_inventory).all.vars.ingest_public_cidrs == ["198.51.100.0/24", "203.0.113.7/32"]
    error_message = "The inventory's monitoring group is the monitoring host; the RTMPS sources go to the roles."
  }
  assert {
    condition = (
      module.network.flow_logs.traffic_type == "ALL" && module.network.flow_logs.retention_days == 14 &&
      output.flow_log_group == "/vstream/vstream/vpc-flow-logs"
    )
    error_message = "Flow logs: all traffic, kept flow_logs_retention_days."
  }
}

run "three_frontends_cdn" {
  command = plan

  variables {
    frontend_count = 3
    az_count       = 2
    cdn_enabled    = true
    domain_name    = "live.example.org"
    hosted_zone_id = "Z0123456789ABCDEFGHIJ"
  }

  assert {
    condition     = output.frontend_private_ips == ["10.0.1.10", "10.0.3.11", "10.0.1.12"] && length(module.frontend) == 3
    error_message = "Three frontends, alternating zones, at host numbers 10, 11, 12."
  }
  assert {
    condition     = !contains(keys(aws_security_group.edge), "cloudfront-origin") && alltrue([for i, m in module.frontend : m.hardening.security_group_ids == toset([["sg-0f00000000000000f", "sg-0f10000000000000f", "sg-0f20000000000000f"][i], "sg-03b0000000000003b"])])
    error_message = "Behind the ALB the frontends are in their own groups and the HLS peers' group only (CloudFront reaches the ALB)."
  }
  # Ingest: an internal NLB on TCP 1935, instance targets keeping the
  # client's address, one attachment per frontend.
  assert {
    condition = (
      aws_lb.ingest[0].internal && aws_lb.ingest[0].load_balancer_type == "network" &&
      aws_lb.ingest[0].subnets == toset(module.network.private_subnet_ids) &&
      aws_lb_listener.ingest[0].port == 1935 && aws_lb_listener.ingest[0].protocol == "TCP" &&
      aws_lb_target_group.ingest[0].target_type == "instance" && aws_lb_target_group.ingest[0].preserve_client_ip == "true" &&
      aws_lb_target_group.ingest[0].protocol == "TCP" && aws_lb_target_group.ingest[0].port == 1935
    )
    error_message = "An internal NLB in the private subnets, TCP 1935, instance targets, client address preserved."
  }
  assert {
    condition     = [for a in aws_lb_target_group_attachment.ingest : "${a.target_group_arn} ${a.target_id} ${a.port}"] == [for i in ["0f0", "0f1", "0f2"] : "arn:aws:elasticloadbalancing:xx-test-1:111122223333:targetgroup/rtmp/1 i-${i}0000000000000f 1935"]
    error_message = "One ingest attachment per frontend."
  }
  # HTTPS: an internet-facing ALB, 443 with the ACM certificate, HTTPS
  # health checks, one attachment per frontend.
  assert {
    condition = (
      !aws_lb.https[0].internal && aws_lb.https[0].load_balancer_type == "application" && aws_lb.https[0].drop_invalid_header_fields &&
      aws_lb_listener.https[0].port == 443 && aws_lb_listener.https[0].protocol == "HTTPS" &&
      aws_lb_listener.https[0].certificate_arn == "arn:aws:acm:xx-test-1:111122223333:certificate/lb" &&
      aws_lb_listener.https[0].ssl_policy == "ELBSecurityPolicy-TLS13-1-2-2021-06" &&
      aws_lb_target_group.https[0].protocol == "HTTPS" && aws_lb_target_group.https[0].health_check[0].protocol == "HTTPS" &&
      aws_lb_target_group.https[0].health_check[0].path == "/" && length(aws_lb_listener.http) == 0
    )
    error_message = "An ALB with one HTTPS listener (the ACM certificate, TLS 1.2+), HTTPS health checks on /, and no plain listener behind the CDN."
  }
  assert {
    condition     = [for a in aws_lb_target_group_attachment.https : "${a.target_id} ${a.port}"] == ["i-0f00000000000000f 443", "i-0f10000000000000f 443", "i-0f20000000000000f 443"]
    error_message = "One HTTPS attachment per frontend."
  }
  assert {
    condition     = module.cdn[0].distribution.origins.frontends.domain_name == "live.example.org" && aws_route53_record.https_lb[0].name == "live.example.org" && aws_route53_record.https_lb[0].alias[0].name == "https-2.xx-test-1.elb.amazonaws.com"
    error_message = "CloudFront's origin is domain_name, which points at the ALB."
  }
  # Rules: the ALB takes 443 from CloudFront only, the frontends' 443 only
  # from the ALB and Prometheus; the NLB takes RTMP from the streamer.
  assert {
    condition = {
      for k, r in merge(aws_vpc_security_group_ingress_rule.lb, aws_vpc_security_group_egress_rule.lb) :
      k => "${r.security_group_id} ${r.ip_protocol} ${r.from_port}-${r.to_port} ${coalesce(r.cidr_ipv4, r.referenced_security_group_id, r.prefix_list_id)}"
      } == {
      ingest-in-rtmp            = "sg-01b0000000000001b tcp 1935-1935 sg-0500000000000005"
      ingest-out-rtmp-frontend1 = "sg-01b0000000000001b tcp 1935-1935 sg-0f00000000000000f"
      ingest-out-rtmp-frontend2 = "sg-01b0000000000001b tcp 1935-1935 sg-0f10000000000000f"
      ingest-out-rtmp-frontend3 = "sg-01b0000000000001b tcp 1935-1935 sg-0f20000000000000f"
      https-in                  = "sg-02b0000000000002b tcp 443-443 pl-3b927c52"
      https-out-frontend1       = "sg-02b0000000000002b tcp 443-443 sg-0f00000000000000f"
      https-out-frontend2       = "sg-02b0000000000002b tcp 443-443 sg-0f10000000000000f"
      https-out-frontend3       = "sg-02b0000000000002b tcp 443-443 sg-0f20000000000000f"
      peers-in                  = "sg-03b0000000000003b tcp 8081-8081 sg-03b0000000000003b"
      peers-out                 = "sg-03b0000000000003b tcp 8081-8081 sg-03b0000000000003b"
    }
    error_message = "Load balancers: NLB RTMP from the streamer to each frontend; ALB 443 from CloudFront to each frontend; the frontends' HLS to each other on 8081; nothing else."
  }
  assert {
    condition = alltrue([
      for i, m in module.frontend : m.rule_summary.ingress == {
        https-lb         = "tcp 443-443 sg-02b0000000000002b"
        https-monitoring = "tcp 443-443 sg-0b00000000000000b"
        rtmp-private-0   = "tcp 1935-1935 10.0.2.0/24"
        rtmp-private-1   = "tcp 1935-1935 10.0.4.0/24"
        ssh              = "tcp 22-22 sg-0b00000000000000b"
      }
    ])
    error_message = "Each frontend: 443 from the ALB and Prometheus only, RTMP from the private subnets (the streamer, NLB health checks), SSH from the bastion; no port 80."
  }
  assert {
    condition = module.streamer.rule_summary.egress == {
      http           = "tcp 80-80 0.0.0.0/0"
      https          = "tcp 443-443 0.0.0.0/0"
      rtmp-ingest-lb = "tcp 1935-1935 sg-01b0000000000001b"
    }
    error_message = "The streamer sends RTMP to the NLB's group only."
  }
  assert {
    condition     = keys(module.bastion.security_group_rules.egress) == ["http", "https", "ssh-frontend1", "ssh-frontend2", "ssh-frontend3", "ssh-streamer"]
    error_message = "The bastion SSHes to every frontend."
  }
  assert {
    condition = (
      output.ingest_host == "ingst-1.elb.xx-test-1.amazonaws.com" &&
      yamldecode(output.ansible_inventory).all.vars.ingest_host == "ingst-1.elb.xx-test-1.amazonaws.com" &&
      yamldecode(output.ansible_inventory).all.vars.vstream_peers == ["10.0.1.10", "10.0.3.11", "10.0.1.12"] &&
      yamldecode(output.ansible_inventory).all.vars.frontend_behind_lb &&
      yamldecode(output.ansible_inventory).all.vars.realip_from == concat(yamldecode(output.ansible_inventory).all.vars.public_subnet_cidrs, ["13.32.0.0/15", "130.176.0.0/18"]) &&
      keys(yamldecode(output.ansible_inventory).all.children.frontend.hosts) == ["frontend1", "frontend2", "frontend3"] &&
      yamldecode(output.ansible_inventory).all.children.frontend.hosts.frontend2 == {
        ansible_host = "203.0.113.11", private_ip = "10.0.3.11", ansible_ssh_common_args = "-o ProxyCommand=\"ssh -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile={{ inventory_dir }}/known_hosts -o HostKeyAlias=i-0b00000000000000b -W %h:%p admin@203.0.113.20\" -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile={{ inventory_dir }}/known_hosts -o HostKeyAlias=i-0f10000000000000f -o HostName=10.0.3.11"
      }
    )
    error_message = "The inventory lists frontend1..3 with their private addresses, the NLB as ingest_host and every frontend as a peer."
  }
  assert {
    condition     = output.https_lb_dns_name == "https-2.xx-test-1.elb.amazonaws.com" && output.cdn_domain_name == "d111111abcdef8.cloudfront.net"
    error_message = "The load balancer's and the CDN's names are reported."
  }
}

run "three_frontends_no_cdn" {
  command = plan

  variables {
    frontend_count            = 3
    az_count                  = 2
    domain_name               = "live.example.org"
    hosted_zone_id            = "Z0123456789ABCDEFGHIJ"
    recordings_bucket_enabled = true
  }

  # The bucket without the CDN: nobody reads it but the account; every
  # frontend may upload.
  assert {
    condition = [for st in jsondecode(module.recordings[0].settings.bucket_policy).Statement : st.Sid] == ["TLSOnly"] && alltrue([
      for m in module.frontend : m.iam_instance_profile == "vstream-frontend-1"
    ])
    error_message = "Without the CDN the bucket policy only refuses non-TLS requests; every frontend has the upload profile."
  }
  assert {
    condition     = jsondecode(module.recordings[0].settings.frontend_policy).Statement[0].Resource == "arn:aws:s3:::vstream-recordings-0001/recordings/*" && module.recordings[0].settings.expiry_days == 30
    error_message = "The default prefix is recordings, kept 30 days."
  }

  assert {
    condition = (
      aws_vpc_security_group_ingress_rule.lb["https-in"].cidr_ipv4 == "0.0.0.0/0" && aws_vpc_security_group_ingress_rule.lb["https-in"].prefix_list_id == null &&
      aws_vpc_security_group_ingress_rule.lb["http-in"].from_port == 80 && aws_vpc_security_group_ingress_rule.lb["http-in"].cidr_ipv4 == "0.0.0.0/0" &&
      length(aws_vpc_security_group_ingress_rule.lb) == 4
    )
    error_message = "Without the CDN the ALB takes 443 and 80 (redirect) from anywhere."
  }
  assert {
    condition = (
      aws_vpc_security_group_ingress_rule.lb["peers-in"].security_group_id == "sg-03b0000000000003b" &&
      aws_vpc_security_group_ingress_rule.lb["peers-in"].referenced_security_group_id == "sg-03b0000000000003b" &&
      aws_vpc_security_group_ingress_rule.lb["peers-in"].from_port == 8081 && aws_vpc_security_group_ingress_rule.lb["peers-in"].to_port == 8081 &&
      aws_vpc_security_group_egress_rule.lb["peers-out"].security_group_id == "sg-03b0000000000003b" &&
      aws_vpc_security_group_egress_rule.lb["peers-out"].referenced_security_group_id == "sg-03b0000000000003b" &&
      aws_vpc_security_group_egress_rule.lb["peers-out"].from_port == 8081 && aws_vpc_security_group_egress_rule.lb["peers-out"].to_port == 8081 &&
      alltrue([for m in module.frontend : contains(m.hardening.security_group_ids, "sg-03b0000000000003b")]) &&
      yamldecode(output.ansible_inventory).all.vars.hls_peer_port == 8081
    )
    error_message = "The frontends share a group that lets them ask each other for HLS on 8081 (nginx_peer_port), and nothing else."
  }
  assert {
    condition     = aws_lb_listener.http[0].port == 80 && aws_lb_listener.http[0].default_action[0].type == "redirect" && aws_lb_listener.http[0].default_action[0].redirect[0].protocol == "HTTPS"
    error_message = "The ALB's port 80 only redirects to HTTPS."
  }
  assert {
    condition     = length(aws_lb_target_group_attachment.https) == 3 && length(aws_lb_target_group_attachment.ingest) == 3 && length(module.cdn) == 0 && output.cdn_domain_name == null
    error_message = "One attachment per frontend on each load balancer; no CDN."
  }
  assert {
    condition     = alltrue([for m in module.frontend : m.dns_record == null && m.security_group_rules.ingress["https-lb"].referenced_security_group_id == "sg-02b0000000000002b"])
    error_message = "The record is the ALB's (no per-frontend record); the frontends' 443 is the ALB's."
  }
  assert {
    condition     = output.frontend_url == "https://live.example.org/"
    error_message = "The player is at domain_name (the ALB)."
  }
  assert {
    condition     = yamldecode(output.ansible_inventory).all.vars.realip_from == module.network.public_subnet_cidrs && length(module.network.public_subnet_cidrs) == 2
    error_message = "Behind the ALB alone, X-Forwarded-For is trusted from the ALB's (public) subnets only."
  }
}

run "recordings_bucket_with_cdn" {
  command = plan

  variables {
    recordings_bucket_enabled = true
    recordings_prefix         = "rec/vstream"
    recordings_expiry_days    = 7
    cdn_enabled               = true
    domain_name               = "live.example.org"
    hosted_zone_id            = "Z0123456789ABCDEFGHIJ"
  }

  assert {
    condition = module.recordings[0].settings.public_access_block == {
      block_public_acls = true, block_public_policy = true, ignore_public_acls = true, restrict_public_buckets = true
    }
    error_message = "All four public access blocks are on."
  }
  assert {
    condition = (
      module.recordings[0].settings.sse_algorithm == "AES256" && module.recordings[0].settings.versioning == "Disabled" &&
      module.recordings[0].settings.object_ownership == "BucketOwnerEnforced" &&
      module.recordings[0].settings.expiry_prefix == "rec/vstream/" && module.recordings[0].settings.expiry_days == 7
    )
    error_message = "Encrypted (SSE-S3), unversioned, no ACLs, recordings expiring after recordings_expiry_days."
  }
  assert {
    condition = jsondecode(module.recordings[0].settings.frontend_policy).Statement == [{
      Sid      = "UploadAndRetireRecordings"
      Effect   = "Allow"
      Action   = ["s3:DeleteObject", "s3:PutObject"]
      Resource = "arn:aws:s3:::vstream-recordings-0001/rec/vstream/*"
    }] && module.recordings[0].settings.frontend_role_ref
    error_message = "The frontends may put and delete objects under the prefix, nothing else."
  }
  assert {
    condition     = jsondecode(module.recordings[0].settings.frontend_assume).Statement[0].Principal == { Service = "ec2.amazonaws.com" } && module.frontend[0].iam_instance_profile == "vstream-frontend-1"
    error_message = "The frontend has the recordings profile."
  }
  assert {
    condition = jsondecode(module.recordings[0].settings.bucket_policy).Statement == [
      {
        Sid       = "TLSOnly"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = ["arn:aws:s3:::vstream-recordings-0001", "arn:aws:s3:::vstream-recordings-0001/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      {
        Sid       = "CloudFrontReadsRecordings"
        Effect    = "Allow"
        Principal = { Service = "cloudfront.amazonaws.com" }
        Action    = "s3:GetObject"
        Resource  = "arn:aws:s3:::vstream-recordings-0001/rec/vstream/*"
        Condition = { StringEquals = { "AWS:SourceArn" = "arn:aws:cloudfront::111122223333:distribution/E2EXAMPLE0CDN" } }
      },
    ]
    error_message = "The bucket policy: TLS only; CloudFront reads recordings for this distribution only."
  }
  assert {
    condition = [for b in module.cdn[0].distribution.behaviours : "${b.path_pattern} ${b.target_origin_id}"] == [
      "default frontends", "/vstream/* frontends", "/vod/* recordings", "*.m3u8 frontends", "*.ts frontends",
    ]
    error_message = "/vod/* goes to the bucket, before the playlists' pattern."
  }
  assert {
    condition = (
      module.cdn[0].distribution.origins.recordings.domain_name == "vstream-recordings-0001.s3.xx-test-1.amazonaws.com" &&
      module.cdn[0].distribution.origins.recordings.origin_access_control_id == "E3OACEXAMPLE" &&
      module.cdn[0].distribution.recordings_oac_type == "s3" &&
      one([for b in module.cdn[0].distribution.behaviours : b.origin_request_policy_id if b.path_pattern == "/vod/*"]) == null &&
      strcontains(module.cdn[0].distribution.function_code, "var vodPrefix = 'rec/vstream';")
    )
    error_message = "The bucket is read through Origin Access Control, /vod/X mapped to PREFIX/X."
  }
  assert {
    condition = output.recordings_bucket == { bucket = "vstream-recordings-0001", region = "eu-west-1", prefix = "rec/vstream" } && (
      yamldecode(output.ansible_inventory).all.vars.recordings_s3_bucket == "vstream-recordings-0001" &&
      yamldecode(output.ansible_inventory).all.vars.recordings_s3_region == "eu-west-1" &&
      yamldecode(output.ansible_inventory).all.vars.recordings_s3_prefix == "rec/vstream"
    )
    error_message = "The bucket, region and prefix go to the output and the roles."
  }
}

run "fleet_and_cdn_need_a_domain" {
  command = plan

  variables {
    frontend_count = 2
    cdn_enabled    = true
  }

  expect_failures = [var.frontend_count, var.cdn_enabled]
}

run "cdn_alias_needs_the_cdn" {
  command = plan

  variables {
    cdn_alias_domain = "cdn.example.org"
  }

  expect_failures = [var.cdn_alias_domain]
}

run "invalid_new_inputs" {
  command = plan

  variables {
    frontend_count           = 10
    rtmps_port               = 443
    ingest_public_cidrs      = concat(["198.51.100.7/24", "anywhere"], [for i in range(40) : "10.9.${i}.0/24"])
    recordings_prefix        = "/vod/"
    recordings_expiry_days   = 0
    flow_logs_retention_days = 45
    cdn_price_class          = "PriceClass_Cheap"
  }

  expect_failures = [var.frontend_count, var.rtmps_port, var.ingest_public_cidrs, var.recordings_prefix, var.recordings_expiry_days, var.flow_logs_retention_days, var.cdn_price_class]
}

run "admin_cidr_not_a_cidr" {
  command = plan

  variables {
    admin_cidr = "my-office"
  }

  expect_failures = [var.admin_cidr]
}

run "admin_cidr_world" {
  command = plan

  variables {
    admin_cidr = "0.0.0.0/0"
  }

  expect_failures = [var.admin_cidr]
}

run "invalid_inputs" {
  command = plan

  variables {
    ssh_public_key = "-----BEGIN OPENSSH PRIVATE KEY-----"
    vpc_cidr       = "10.0.0.0/24"
    region         = "Ireland"
    name           = "vstream_prod"
    hosted_zone_id = "Z0123456789ABCDEFGHIJ"
  }

  expect_failures = [var.ssh_public_key, var.vpc_cidr, var.region, var.name, var.domain_name]
}

run "admin_cidr_not_canonical" {
  command = plan

  variables {
    admin_cidr  = "198.51.100.7/24"
    domain_name = "Live.Example.org"
  }

  expect_failures = [var.admin_cidr, var.domain_name]
}
