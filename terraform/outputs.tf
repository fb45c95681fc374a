output "frontend_public_ip" {
  description = "Public address of the (first) frontend (HLS over HTTPS, the player page)."
  value       = module.frontend[0].public_ip
}

output "frontend_private_ip" {
  description = "Private address of the (first) frontend: the streamer's RTMP target with one frontend."
  value       = module.frontend[0].private_ip
}

output "frontend_public_ips" {
  description = "Public addresses of every frontend, in order (frontend, or frontend1..N)."
  value       = module.frontend[*].public_ip
}

output "frontend_private_ips" {
  description = "Private addresses of every frontend, in order: the HLS peers (vstream_peers)."
  value       = module.frontend[*].private_ip
}

output "ingest_host" {
  description = "Where the streamer publishes RTMP: the internal NLB's DNS name with several frontends, else the frontend's private address."
  value       = local.fleet ? aws_lb.ingest[0].dns_name : module.frontend[0].private_ip
}

output "https_lb_dns_name" {
  description = "DNS name of the frontends' HTTPS load balancer (domain_name points at it); null with one frontend."
  value       = local.fleet ? aws_lb.https[0].dns_name : null
}

output "cdn_domain_name" {
  description = "The name viewers use with the CDN: cdn_alias_domain, or the distribution's cloudfront.net name; null without the CDN."
  value       = local.cdn_on ? module.cdn[0].domain_name : null
}

output "cdn_distribution_id" {
  description = "ID of the CloudFront distribution (for invalidations); null without the CDN."
  value       = local.cdn_on ? module.cdn[0].distribution_id : null
}

output "recordings_bucket" {
  description = "The recordings bucket, its region and key prefix ({bucket, region, prefix}); null without it."
  value       = var.recordings_bucket_enabled ? { bucket = module.recordings[0].bucket, region = var.region, prefix = module.recordings[0].prefix } : null
}

output "monitoring_private_ip" {
  description = "Private address of the host running Prometheus (the bastion's, or the monitoring host's)."
  value       = var.monitoring_instance ? module.monitoring[0].private_ip : module.bastion.private_ip
}

output "flow_log_group" {
  description = "CloudWatch Logs group of the VPC flow logs; null without them."
  value       = var.flow_logs_enabled ? module.network.flow_logs.log_group_name : null
}

output "frontend_url" {
  description = "The player page: through the CDN when it is on, else at domain_name or the frontend's address."
  value       = "https://${local.cdn_on ? module.cdn[0].domain_name : (local.dns_enabled ? var.domain_name : module.frontend[0].public_ip)}/"
}

output "bastion_public_ip" {
  description = "Public address of the bastion, the only SSH entry (from admin_cidr)."
  value       = module.bastion.public_ip
}

output "streamer_private_ip" {
  description = "Private address of the streamer (reached through the bastion)."
  value       = module.streamer.private_ip
}

output "public_subnet_cidr" {
  description = "CIDR of the public subnet (frontend, bastion)."
  value       = local.public_subnet_cidr
}

output "private_subnet_cidr" {
  description = "CIDR of the private subnet (streamer): the frontend's vstream_ingest_allow."
  value       = local.private_subnet_cidr
}

output "ssh_bastion" {
  description = "How to log in to the bastion."
  value       = "ssh admin@${module.bastion.public_ip}"
}

output "ansible_inventory" {
  description = "The Ansible inventory (YAML); make inventory writes it to ansible/inventory/hosts.yml."
  value       = module.inventory.yaml
}
