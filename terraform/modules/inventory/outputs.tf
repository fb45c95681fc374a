output "yaml" {
  description = "The inventory as YAML, for ansible/inventory/hosts.yml."
  value       = "# Written by terraform (modules/inventory); make inventory rewrites it.\n${yamlencode(local.inventory)}"
}

output "inventory" {
  description = "The same inventory as an object."
  value       = local.inventory
}
