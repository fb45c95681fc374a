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
