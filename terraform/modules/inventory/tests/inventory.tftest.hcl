# No provider: the module is pure.  The YAML output is parsed back with
# yamldecode and checked field by field, and against the documented example.

variables {
  frontend            = { public_ip = "203.0.113.10", private_ip = "10.0.1.10" }
  bastion             = { public_ip = "203.0.113.20", private_ip = "10.0.1.20" }
  streamer            = { private_ip = "10.0.2.30" }
  public_subnet_cidr  = "10.0.1.0/24"
  private_subnet_cidr = "10.0.2.0/24"
}

run "inventory_yaml" {
  command = plan

  assert {
    condition     = startswith(output.yaml, "# Written by terraform")
    error_message = "The file says where it comes from."
  }
  assert {
    condition     = keys(yamldecode(output.yaml)) == ["all"] && keys(yamldecode(output.yaml).all.children) == ["bastion", "frontend", "streamer"]
    error_message = "One root group, all, with the groups bastion, frontend and streamer."
  }
  assert {
    condition = yamldecode(output.yaml).all.vars == {
      ansible_user        = "admin"
      private_subnet_cidr = "10.0.2.0/24"
      public_subnet_cidr  = "10.0.1.0/24"
      frontend_private_ip = "10.0.1.10"
      domain_name         = ""
    }
    error_message = "all.vars: the login user, both subnets, the frontend's private address (the RTMP target) and an empty domain."
  }
  assert {
    condition = yamldecode(output.yaml).all.children.bastion.hosts == {
      bastion = { ansible_host = "203.0.113.20", private_ip = "10.0.1.20" }
    }
    error_message = "The bastion is reached directly at its public address."
  }
  assert {
    condition = yamldecode(output.yaml).all.children.streamer.hosts == {
      streamer = {
        ansible_host            = "10.0.2.30"
        private_ip              = "10.0.2.30"
        ansible_ssh_common_args = "-o ProxyJump=admin@203.0.113.20"
      }
    }
    error_message = "The streamer is reached at its private address through the bastion."
  }
  assert {
    condition = yamldecode(output.yaml).all.children.frontend.hosts == {
      frontend = {
        ansible_host            = "203.0.113.10"
        private_ip              = "10.0.1.10"
        ansible_ssh_common_args = "-o ProxyJump=admin@203.0.113.20 -o HostName=10.0.1.10"
      }
    }
    error_message = "The frontend keeps its public ansible_host, and SSH goes through the bastion to its private address."
  }
  assert {
    condition     = yamldecode(output.yaml) == yamldecode(file("../../examples/hosts.yml"))
    error_message = "terraform/examples/hosts.yml shows exactly what the module renders."
  }
}

run "domain_user_and_extra_vars" {
  command = plan

  variables {
    ansible_user = "debian"
    domain_name  = "live.example.org"
    extra_vars   = { vpc_cidr = "10.0.0.0/16", ansible_user = "root" }
  }

  assert {
    condition     = yamldecode(output.yaml).all.vars.domain_name == "live.example.org"
    error_message = "The domain is handed to the roles."
  }
  assert {
    condition     = yamldecode(output.yaml).all.vars.vpc_cidr == "10.0.0.0/16"
    error_message = "Extra variables land in all.vars."
  }
  assert {
    condition     = yamldecode(output.yaml).all.vars.ansible_user == "debian"
    error_message = "Extra variables cannot replace the module's own."
  }
  assert {
    condition     = yamldecode(output.yaml).all.children.streamer.hosts.streamer.ansible_ssh_common_args == "-o ProxyJump=debian@203.0.113.20"
    error_message = "The jump host login follows ansible_user."
  }
}

run "invalid_inputs" {
  command = plan

  variables {
    ansible_user        = "Admin User"
    private_subnet_cidr = "10.0.2.0"
  }

  expect_failures = [var.ansible_user, var.private_subnet_cidr]
}
