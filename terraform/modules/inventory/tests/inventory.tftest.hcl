# No provider: the module is pure.  The YAML output is parsed back with
# yamldecode and checked field by field, and against the documented example.

variables {
  frontends           = [{ id = "i-frontend", public_ip = "203.0.113.10", private_ip = "10.0.1.10" }]
  bastion             = { id = "i-bastion", public_ip = "203.0.113.20", private_ip = "10.0.1.20" }
  streamer            = { id = "i-streamer", private_ip = "10.0.2.30" }
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
    condition     = keys(yamldecode(output.yaml)) == ["all"] && keys(yamldecode(output.yaml).all.children) == ["bastion", "frontend", "monitoring", "streamer"]
    error_message = "One root group, all, with the groups bastion, frontend, monitoring and streamer."
  }
  assert {
    condition = yamldecode(output.yaml).all.vars == {
      ansible_user        = "admin"
      private_subnet_cidr = "10.0.2.0/24"
      public_subnet_cidr  = "10.0.1.0/24"
      frontend_private_ip = "10.0.1.10"
      frontend_count      = 1
      ingest_host         = "10.0.1.10"
      vstream_peers       = ["10.0.1.10"]
      domain_name         = ""
    }
    error_message = "all.vars: the login user, both subnets, the frontend's private address (the RTMP target, also ingest_host), the one peer and an empty domain."
  }
  assert {
    condition = yamldecode(output.yaml).all.children.bastion.hosts == {
      bastion = {
        ansible_host            = "203.0.113.20"
        private_ip              = "10.0.1.20"
        ansible_ssh_common_args = "-o StrictHostKeyChecking=accept-new -o UserKnownHostsFile={{ inventory_dir }}/known_hosts -o HostKeyAlias=i-bastion"
      }
    }
    error_message = "The bastion is reached directly at its public address, its host key kept under its instance id and accepted on first use."
  }
  assert {
    condition = yamldecode(output.yaml).all.children.streamer.hosts == {
      streamer = {
        ansible_host            = "10.0.2.30"
        private_ip              = "10.0.2.30"
        ansible_ssh_common_args = "-o ProxyCommand=\"ssh -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile={{ inventory_dir }}/known_hosts -o HostKeyAlias=i-bastion -W %h:%p admin@203.0.113.20\" -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile={{ inventory_dir }}/known_hosts -o HostKeyAlias=i-streamer"
      }
    }
    error_message = "The streamer is reached at its private address through the bastion, both hops accepting a new host key once, per instance."
  }
  assert {
    condition = yamldecode(output.yaml).all.children.frontend.hosts == {
      frontend = {
        ansible_host            = "203.0.113.10"
        private_ip              = "10.0.1.10"
        ansible_ssh_common_args = "-o ProxyCommand=\"ssh -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile={{ inventory_dir }}/known_hosts -o HostKeyAlias=i-bastion -W %h:%p admin@203.0.113.20\" -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile={{ inventory_dir }}/known_hosts -o HostKeyAlias=i-frontend -o HostName=10.0.1.10"
      }
    }
    error_message = "The frontend keeps its public ansible_host, and SSH goes through the bastion to its private address."
  }
  assert {
    condition     = yamldecode(output.yaml).all.children.monitoring.hosts == { bastion = {} }
    error_message = "Prometheus runs on the bastion by default."
  }
  assert {
    condition     = yamldecode(output.yaml) == yamldecode(file("../../examples/hosts.yml"))
    error_message = "terraform/examples/hosts.yml shows exactly what the module renders."
  }
}

run "three_frontends_and_a_monitoring_host" {
  command = plan

  variables {
    frontends = [
      { id = "i-f1", public_ip = "203.0.113.11", private_ip = "10.0.1.11" },
      { id = "i-f2", public_ip = "203.0.113.12", private_ip = "10.0.3.12" },
      { id = "i-f3", public_ip = "203.0.113.13", private_ip = "10.0.1.13" },
    ]
    ingest_host = "vstream-ingest-0123456789.elb.xx-test-1.amazonaws.com"
    monitoring  = { id = "i-monitoring", private_ip = "10.0.2.40" }
    extra_vars  = { recordings_s3 = { bucket = "b", region = "xx-test-1", prefix = "vod" } }
  }

  assert {
    condition = yamldecode(output.yaml).all.children.frontend.hosts == {
      for i, n in [11, 12, 13] : "frontend${i + 1}" => {
        ansible_host            = "203.0.113.${n}"
        private_ip              = i == 1 ? "10.0.3.12" : "10.0.1.${n}"
        ansible_ssh_common_args = "-o ProxyCommand=\"ssh -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile={{ inventory_dir }}/known_hosts -o HostKeyAlias=i-bastion -W %h:%p admin@203.0.113.20\" -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile={{ inventory_dir }}/known_hosts -o HostKeyAlias=i-f${i + 1} -o HostName=${i == 1 ? "10.0.3.12" : "10.0.1.${n}"}"
      }
    }
    error_message = "Every frontend is listed, as frontend1..3, each reached through the bastion."
  }
  assert {
    condition = (
      yamldecode(output.yaml).all.vars.ingest_host == "vstream-ingest-0123456789.elb.xx-test-1.amazonaws.com" &&
      yamldecode(output.yaml).all.vars.vstream_peers == ["10.0.1.11", "10.0.3.12", "10.0.1.13"] &&
      yamldecode(output.yaml).all.vars.frontend_count == 3
    )
    error_message = "The streamer publishes to the load balancer; the peers are every frontend's private address."
  }
  assert {
    condition = yamldecode(output.yaml).all.children.monitoring.hosts == {
      monitoring = { ansible_host = "10.0.2.40", private_ip = "10.0.2.40", ansible_ssh_common_args = "-o ProxyCommand=\"ssh -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile={{ inventory_dir }}/known_hosts -o HostKeyAlias=i-bastion -W %h:%p admin@203.0.113.20\" -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile={{ inventory_dir }}/known_hosts -o HostKeyAlias=i-monitoring" }
    }
    error_message = "A monitoring host of its own is reached at its private address through the bastion."
  }
  assert {
    condition     = yamldecode(output.yaml).all.vars.recordings_s3 == { bucket = "b", region = "xx-test-1", prefix = "vod" }
    error_message = "Structured extra variables survive the YAML."
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
    condition     = strcontains(yamldecode(output.yaml).all.children.streamer.hosts.streamer.ansible_ssh_common_args, "-W %h:%p debian@203.0.113.20\"")
    error_message = "The jump host login follows ansible_user."
  }
}

run "invalid_inputs" {
  command = plan

  variables {
    ansible_user        = "Admin User"
    private_subnet_cidr = "10.0.2.0"
    frontends           = []
  }

  expect_failures = [var.ansible_user, var.private_subnet_cidr, var.frontends]
}
