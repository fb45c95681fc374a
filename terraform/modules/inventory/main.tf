# The Ansible inventory of the deployment, as YAML.  Only the bastion is
# reachable from the admin's address: the streamer and the monitoring host
# (private subnet) and the frontends (SSH only from the bastion's security
# group, which matches private addresses only) are reached with ProxyJump
# through it.  A frontend keeps its public address as ansible_host (the ssl
# role puts it in the self-signed certificate) and ssh is pointed at its
# private address with HostName.

locals {
  proxy_jump = "-o ProxyJump=${var.ansible_user}@${var.bastion.public_ip}"

  # One frontend is "frontend" (as before the fleet); more are frontend1..N.
  frontend_hosts = {
    for i, f in var.frontends :
    length(var.frontends) == 1 ? "frontend" : "frontend${i + 1}" => {
      ansible_host            = f.public_ip
      private_ip              = f.private_ip
      ansible_ssh_common_args = "${local.proxy_jump} -o HostName=${f.private_ip}"
    }
  }

  # Prometheus runs on the bastion unless it has a host of its own.
  monitoring_hosts = var.monitoring == null ? { bastion = {} } : {
    monitoring = {
      ansible_host            = var.monitoring.private_ip
      private_ip              = var.monitoring.private_ip
      ansible_ssh_common_args = local.proxy_jump
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
              ansible_host = var.bastion.public_ip
              private_ip   = var.bastion.private_ip
            }
          }
        }
        streamer = {
          hosts = {
            streamer = {
              ansible_host            = var.streamer.private_ip
              private_ip              = var.streamer.private_ip
              ansible_ssh_common_args = local.proxy_jump
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
