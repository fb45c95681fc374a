output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr" {
  description = "IPv4 CIDR of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "availability_zones" {
  description = "Availability zones in use, in subnet order."
  value       = local.azs
}

output "public_subnet_ids" {
  description = "IDs of the public subnets, one per zone."
  value       = aws_subnet.public[*].id
}

output "private_subnet_ids" {
  description = "IDs of the private subnets, one per zone."
  value       = aws_subnet.private[*].id
}

output "public_subnet_cidrs" {
  description = "CIDRs of the public subnets, one per zone."
  value       = local.public_subnet_cidrs
}

output "private_subnet_cidrs" {
  description = "CIDRs of the private subnets, one per zone."
  value       = local.private_subnet_cidrs
}

output "public_route_table_id" {
  description = "ID of the public route table (default route to the internet gateway)."
  value       = aws_route_table.public.id
}

output "private_route_table_id" {
  description = "ID of the private route table (default route to the NAT instance or gateway)."
  value       = aws_route_table.private.id
}

output "nat_gateway_public_ip" {
  description = "Public address of the NAT gateway; null with a NAT instance."
  value       = var.nat_gateway ? aws_eip.nat[0].public_ip : null
}

output "private_default_route" {
  description = "The private route table's default route as planned: its target is the NAT instance's network interface or the NAT gateway (the other is null)."
  value = {
    destination_cidr_block = aws_route.private_default.destination_cidr_block
    network_interface_id   = var.nat_gateway ? null : aws_route.private_default.network_interface_id
    nat_gateway_id         = aws_route.private_default.nat_gateway_id
  }
}

output "internet_gateway_id" {
  description = "ID of the internet gateway: what an Elastic IP must wait for."
  value       = aws_internet_gateway.this.id
}

output "flow_logs" {
  description = "The VPC flow log as planned (null when off): traffic type, log group, its retention, and the delivery role's write policy (JSON)."
  value = var.flow_logs.enabled ? {
    traffic_type   = aws_flow_log.this[0].traffic_type
    log_group_name = aws_cloudwatch_log_group.flow_logs[0].name
    retention_days = aws_cloudwatch_log_group.flow_logs[0].retention_in_days
    iam_role_arn   = aws_flow_log.this[0].iam_role_arn
    write_policy   = local.flow_logs_write
  } : null
}
