# The Ansible inventory of the deployment, as YAML.  Only the bastion is
# reachable from the admin's address: the streamer (private subnet) and the
# frontend (SSH only from the bastion's security group, which matches private
# addresses only) are reached with ProxyJump through it.  The frontend keeps
# its public address as ansible_host (the ssl role puts it in the self-signed
# certificate) and ssh is pointed at its private address with HostName.

locals {
  proxy_jump = "-o ProxyJump=${var.ansible_user}@${var.bastion.public_ip}"

  inventory = {
    all = {
      vars = merge(var.extra_vars, {
        ansible_user        = var.ansible_user
        private_subnet_cidr = var.private_subnet_cidr
        public_subnet_cidr  = var.public_subnet_cidr
        frontend_private_ip = var.frontend.private_ip
        domain_name         = var.domain_name
      })
      children = {
        frontend = {
          hosts = {
            frontend = {
              ansible_host            = var.frontend.public_ip
              private_ip              = var.frontend.private_ip
              ansible_ssh_common_args = "${local.proxy_jump} -o HostName=${var.frontend.private_ip}"
            }
          }
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
      }
    }
  }
}
