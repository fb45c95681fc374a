output "frontend_public_ip" {
  description = "Public address of the frontend (HLS over HTTPS, the player page)."
  value       = module.frontend.public_ip
}

output "frontend_private_ip" {
  description = "Private address of the frontend: the streamer's RTMP target."
  value       = module.frontend.private_ip
}

output "frontend_url" {
  description = "The player page."
  value       = "https://${local.dns_enabled ? var.domain_name : module.frontend.public_ip}/"
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
