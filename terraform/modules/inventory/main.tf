# The Ansible inventory of the deployment, as YAML.  Only the bastion is
# reachable from the admin's address: the streamer and the monitoring host
# (private subnet) and the frontends (SSH only from the bastion's security
# group, which matches private addresses only) are reached with ProxyJump
# through it.  A frontend keeps its public address as ansible_host (the ssl
# role puts it in the self-signed certificate) and ssh is pointed at its
# private address with HostName.
#
# Host keys: each host's key is remembered under its instance id
# (HostKeyAlias) in inventory/known_hosts, accepted on first use and checked
# afterwards, on both hops (the jump is a ProxyCommand carrying the same
# options: ProxyJump would not pass them on).  A bastion replaced behind the
# same address is a new instance, hence a new alias: accepted, not refused
# as a changed key; the same instance with another key is refused.

locals {
  known_hosts = "-o StrictHostKeyChecking=accept-new -o UserKnownHostsFile={{ inventory_dir }}/known_hosts"
  bastion_ssh = "${local.known_hosts} -o HostKeyAlias=${var.bastion.id}"
  proxy_jump  = "-o ProxyCommand=\"ssh ${local.bastion_ssh} -W %h:%p ${var.ansible_user}@${var.bastion.public_ip}\""

  # the options for a host behind the bastion, by instance id
  behind = { for id in concat([for f in var.frontends : f.id], [var.streamer.id],
    var.monitoring == null ? [] : [var.monitoring.id]) :
  id => "${local.proxy_jump} ${local.known_hosts} -o HostKeyAlias=${id}" }

  # One frontend is "frontend" (as before the fleet); more are frontend1..N.
  frontend_hosts = {
    for i, f in var.frontends :
    length(var.frontends) == 1 ? "frontend" : "frontend${i + 1}" => {
      ansible_host            = f.public_ip
      private_ip              = f.private_ip
      ansible_ssh_common_args = "${local.behind[f.id]} -o HostName=${f.private_ip}"
    }
  }

  # Prometheus runs on the bastion unless it has a host of its own.
  monitoring_hosts = var.monitoring == null ? { bastion = {} } : {
    monitoring = {
      ansible_host            = var.monitoring.private_ip
      private_ip              = var.monitoring.private_ip
      ansible_ssh_common_args = local.behind[var.monitoring.id]
    }
  }

  inventory = {
    all = {
      vars = merge(var.extra_vars, {
        ansible_user        = var.ansible_user
        private_subnet_cidr = var.private_subnet_cidr
        public_subnet_cidr  = var.public_subnet_cidr
        frontend_private_ip = var.frontends[0].private_ip
        frontend_count      = length(var.frontends)
        ingest_host         = coalesce(var.ingest_host, var.frontends[0].private_ip)
        vstream_peers       = [for f in var.frontends : f.private_ip]
        domain_name         = var.domain_name
      })
      children = {
        frontend = {
          hosts = local.frontend_hosts
        }
        bastion = {
          hosts = {
            bastion = {
              ansible_host            = var.bastion.public_ip
              private_ip              = var.bastion.private_ip
              ansible_ssh_common_args = local.bastion_ssh
            }
          }
        }
        streamer = {
          hosts = {
            streamer = {
              ansible_host            = var.streamer.private_ip
              private_ip              = var.streamer.private_ip
              ansible_ssh_common_args = local.behind[var.streamer.id]
            }
          }
        }
        monitoring = {
          hosts = local.monitoring_hosts
        }
      }
    }
  }
}
