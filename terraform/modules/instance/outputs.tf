output "id" {
  description = "ID of the instance."
  value       = aws_instance.this.id
}

output "ami_id" {
  description = "Image the instance was launched from (looked up or given)."
  value       = local.ami_id
}

output "private_ip" {
  description = "Private IPv4 address."
  value       = aws_instance.this.private_ip
}

output "public_ip" {
  description = "Public IPv4 address (the Elastic IP when there is one); null without one."
  value       = local.public_ip
}

output "primary_network_interface_id" {
  description = "Primary network interface: the route target when the instance is the NAT instance."
  value       = aws_instance.this.primary_network_interface_id
}

output "security_group_id" {
  description = "ID of the instance's security group, for other groups' rules to reference."
  value       = aws_security_group.this.id
}

output "dns_name" {
  description = "FQDN of the Route 53 record; null without one."
  value       = var.dns_record == null ? null : aws_route53_record.this[0].fqdn
}

output "security_group_rules" {
  description = "The security group's rules as planned (ingress and egress, by name): ip_protocol, from_port, to_port and the peer. For audits and the root stack's tests."
  value = {
    for direction, resources in {
      ingress = aws_vpc_security_group_ingress_rule.this
      egress  = aws_vpc_security_group_egress_rule.this
      } : direction => {
      for key, r in resources : key => {
        security_group_id            = r.security_group_id
        ip_protocol                  = r.ip_protocol
        from_port                    = r.from_port
        to_port                      = r.to_port
        cidr_ipv4                    = r.cidr_ipv4
        cidr_ipv6                    = r.cidr_ipv6
        referenced_security_group_id = r.referenced_security_group_id
        prefix_list_id               = r.prefix_list_id
      }
    }
  }
}

output "rule_summary" {
  description = "Each rule in one line, by direction and name: \"PROTOCOL FROM-TO PEER\" (ports \"all\" with protocol -1; PEER: the CIDR, group or prefix list), for exact comparisons in tests and audits."
  value = {
    for direction, resources in {
      ingress = aws_vpc_security_group_ingress_rule.this
      egress  = aws_vpc_security_group_egress_rule.this
      } : direction => {
      for key, r in resources :
      key => "${r.ip_protocol} ${r.from_port == null ? "all" : "${r.from_port}-${r.to_port}"} ${coalesce(r.cidr_ipv4, r.cidr_ipv6, r.referenced_security_group_id, r.prefix_list_id)}"
    }
  }
}

output "hardening" {
  description = "The instance's security settings as planned: IMDS tokens, root volume encryption, source/destination check. For audits and the root stack's tests."
  value = {
    metadata_http_tokens  = aws_instance.this.metadata_options[0].http_tokens
    root_volume_encrypted = aws_instance.this.root_block_device[0].encrypted
    source_dest_check     = aws_instance.this.source_dest_check
    security_group_ids    = aws_instance.this.vpc_security_group_ids
  }
}

output "dns_record" {
  description = "The Route 53 record as planned (zone_id, name, type, records); null without one."
  value = var.dns_record == null ? null : {
    zone_id = aws_route53_record.this[0].zone_id
    name    = aws_route53_record.this[0].name
    type    = aws_route53_record.this[0].type
    records = aws_route53_record.this[0].records
  }
}

output "user_data" {
  description = "The user data given to the instance (plain text); null for none."
  value       = var.user_data
}

output "iam_instance_profile" {
  description = "The instance profile attached to the instance; null for none."
  value       = var.iam_instance_profile == null ? null : aws_instance.this.iam_instance_profile
}

output "ami_lookup" {
  description = "The image lookup as planned (owners, most_recent, filters by name); null with an explicit ami.ami_id."
  value = var.ami.ami_id != null ? null : {
    owners      = data.aws_ami.this[0].owners
    most_recent = data.aws_ami.this[0].most_recent
    filters     = { for f in data.aws_ami.this[0].filter : f.name => f.values }
  }
}
