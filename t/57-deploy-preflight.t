#!/usr/bin/perl

# make deploy from a laptop, without AWS: deploy/aws.sh under a bare PATH
# (a directory of links to the few POSIX tools it may use: no GNU timeout,
# flock or readlink) and stub commands (terraform, ansible, ssh, npm) that
# log their arguments.  The preflight names every missing prerequisite in
# one line each, runs nothing when any is missing, and passes when all are
# there; make tunnel builds the ssh command through the bastion.  The
# controller scripts use no GNU-only tool.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use Test::More;
use VStream::Test;

my $top = VStream::Test::top();
my $aws = "$top/deploy/aws.sh";
my $tmp = tempdir('vstream-deploy-XXXXXX', TMPDIR => 1, CLEANUP => 1);

# the tools a macOS controller has too (POSIX, in /bin or /usr/bin there)
my @posix = qw(bash sh sed grep tr head cat mkdir mktemp mv rm dirname sleep
               env id sort uname ls wc cut);
mkdir "$tmp/bare" or die;
for my $tool (@posix) {
    my ($path) = grep { -x } map { "$_/$tool" } qw(/usr/bin /bin);
    die "no $tool" unless $path;
    symlink $path, "$tmp/bare/$tool" or die "symlink $tool: $!";
}

# stubs: each logs "NAME ARGS" to $tmp/calls and behaves as told by
# files in $tmp/behave
mkdir "$tmp/stubs" or die;
mkdir "$tmp/behave" or die;
sub stub {
    my ($name, $body) = @_;
    open my $fh, '>', "$tmp/stubs/$name" or die;
    print $fh "#!/bin/bash\necho \"$name \$*\" >>'$tmp/calls'\n$body\n";
    close $fh;
    chmod 0755, "$tmp/stubs/$name";
}
stub('terraform', <<'END');
case "$*" in
    version) echo 'Terraform v1.9.8'; echo 'on linux_amd64' ;;
    *"output -raw bastion_public_ip") echo 203.0.113.10 ;;
    *"output -raw frontend_private_ip") echo 10.0.1.20 ;;
esac
exit 0
END
stub('ansible-playbook', "echo 'ansible-playbook [core 2.14.18]'");
stub('ansible-galaxy', <<"END");
for c in \$(cat '$tmp/behave/collections' 2>/dev/null); do
    [ "\$3" = "\$c" ] && printf '%s    1.0.0\\n' "\$c"
done
exit 0
END
stub('ssh', 'exit 0');
stub('ssh-add', "[ -e '$tmp/behave/agent' ]");
stub('ssh-agent', 'exit 0');
stub('npm', 'exit 0');
stub('git', 'exit 0');
stub('tar', 'exit 0');

sub run_aws {
    my ($path, $cmd, %env) = @_;
    unlink "$tmp/calls";
    my %e = (PATH => $path, HOME => "$tmp/home", VSTREAM_TF_PLUGIN_DIR => '',
             AWS_EC2_METADATA_DISABLED => 'true', %env);
    my $envs = join ' ', map { "$_='$e{$_}'" } sort keys %e;
    my $out = `env -i $envs '$aws' $cmd 2>&1`;
    my $rc = $? >> 8;
    my $calls = -e "$tmp/calls" ? do { local (@ARGV, $/) = ("$tmp/calls"); <> } : '';
    return ($rc, $out, $calls);
}
mkdir "$tmp/home" or die;

# 1. a bare laptop: every missing thing named, one line each, nothing run
my ($rc, $out, $calls) = run_aws("$tmp/bare", 'deploy');
is($rc, 1, 'bare machine: deploy exits 1');
my @lines = split /\n/, $out;
is(scalar(grep { !/^aws\.sh: / } @lines), 0, 'every line is one of ours')
    or diag($out);
for my $want (qr/^aws\.sh: terraform not found: install Terraform >= 1\.9/m,
              qr/^aws\.sh: ansible-playbook not found: .*brew install ansible/m,
              qr/^aws\.sh: ssh not found/m,
              qr/^aws\.sh: git not found/m,
              qr/^aws\.sh: tar not found/m,
              qr/^aws\.sh: npm not found: .*macOS: brew install node/m,
              qr/^aws\.sh: no AWS credentials configured/m,
              qr/^aws\.sh: no settings: copy terraform\/terraform\.tfvars\.example/m) {
    like($out, $want, "names: $want");
}
is($calls, '', 'and runs nothing');

# credentials the AWS provider would not find: a profile that is not there
mkdir "$tmp/home/.aws" or die;
open my $cf, '>', "$tmp/home/.aws/config" or die;
print $cf "[profile other]\nregion = xx-test-1\n";
close $cf;
($rc, $out) = run_aws("$tmp/bare", 'deploy', AWS_PROFILE => 'missing');
like($out, qr/^aws\.sh: no AWS credentials configured .*profile 'missing' not found/m,
     'a profile that is not configured is named');
($rc, $out) = run_aws("$tmp/bare", 'deploy', AWS_PROFILE => 'other');
unlike($out, qr/no AWS credentials/, 'a configured profile is enough');

# destroy needs only terraform, credentials and settings
($rc, $out) = run_aws("$tmp/bare", 'destroy');
is($rc, 1, 'bare machine: destroy exits 1');
unlike($out, qr/ansible-playbook|npm|ssh not found|ssh-agent/, 'destroy does not ask for ansible, npm or ssh');
like($out, qr/^aws\.sh: no AWS credentials configured/m, 'but for credentials');

# 2. everything there but a collection and the agent's key
my $path = "$tmp/stubs:$tmp/bare";
my %ok = (AWS_ACCESS_KEY_ID => 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY => 'x',
          TF_VAR_ssh_public_key => 'ssh-ed25519 AAAA', TF_VAR_admin_cidr => '198.51.100.7/32');
open my $fh, '>', "$tmp/behave/collections" or die;
print $fh "ansible.posix\n";
close $fh;
($rc, $out, $calls) = run_aws($path, 'deploy', %ok);
is($rc, 1, 'a collection missing: exit 1');
like($out, qr/^aws\.sh: Ansible collection community\.crypto is not installed: ansible-galaxy collection install -r ansible\/requirements\.yml$/m,
     'names the collection and the command');
unlike($out, qr/ansible\.posix/, 'not the one installed');
like($out, qr/^aws\.sh: no key in an ssh-agent: .*ssh-add/m, 'names the missing agent key');
is(scalar(split /\n/, $out), 2, 'two lines, nothing else');
unlike($calls, qr/^terraform (init|apply|-chdir)/m, 'terraform is not run');

# 3. all there: the preflight passes
open $fh, '>>', "$tmp/behave/collections" or die;
print $fh "community.crypto\n";
close $fh;
open $fh, '>', "$tmp/behave/agent" or die;
close $fh;
($rc, $out, $calls) = run_aws($path, 'preflight', %ok);
is($rc, 0, 'every prerequisite: preflight exits 0') or diag($out);
like($out, qr/^aws\.sh: preflight: every prerequisite of make deploy is here$/m, 'and says so');
unlike($calls, qr/-chdir/, 'without touching terraform state');

# an old terraform is named
stub('terraform', "echo 'Terraform v1.5.7'");
($rc, $out) = run_aws($path, 'preflight', %ok);
like($out, qr/^aws\.sh: terraform 1\.5\.7 is too old: Terraform >= 1\.9 is needed$/m,
     'an old terraform is named with its version');
stub('terraform', <<'END');
case "$*" in
    version) echo 'Terraform v1.10.0' ;;
    *"output -raw bastion_public_ip") echo 203.0.113.10 ;;
    *"output -raw frontend_private_ip") echo 10.0.1.20 ;;
esac
exit 0
END

# 4. make tunnel: ssh through the bastion to the frontend's 443 on loopback
($rc, $out, $calls) = run_aws($path, 'tunnel', VSTREAM_TUNNEL_PORT => 18443);
is($rc, 0, 'tunnel runs ssh') or diag($out);
like($calls, qr/^ssh -N .*-o ProxyJump=admin\@203\.0\.113\.10 -L 127\.0\.0\.1:18443:127\.0\.0\.1:443 admin\@10\.0\.1\.20$/m,
     'ssh -J the bastion, the frontend\'s 443 on a loopback port');
like($out, qr{https://127\.0\.0\.1:18443/dashboard/}, 'prints the dashboard URL');
like($out, qr{https://127\.0\.0\.1:18443/vstream/status}, 'and the admin API');
like($out, qr{/etc/nginx/vstream/admin\.token}, 'and where the token is');
unlike($calls, qr/^terraform .*apply/m, 'nothing applied');

# the provider: the registry unless the offline mirror exists
($rc, $out, $calls) = run_aws($path, 'inventory', VSTREAM_TF_PLUGIN_DIR => '');
unlike($calls, qr/-plugin-dir/, 'no mirror given: terraform init uses the registry');
($rc, $out, $calls) = run_aws($path, 'inventory', VSTREAM_TF_PLUGIN_DIR => '/opt/x');
like($calls, qr/init .*-plugin-dir=\/opt\/x/, 'a mirror given: used');

# 5. no GNU-only tools on the controller's path
for my $script ("$top/deploy/aws.sh", "$top/web/build.sh") {
    my $text = do { local (@ARGV, $/) = ($script); <> };
    $text =~ s/^\s*#.*$//mg;
    my @gnu = grep { $text =~ $_->[1] } (
        ['timeout', qr/(^|[\s;|&(])timeout\s/m],
        ['flock without a check', qr/^(?!.*command -v flock).*\bflock\s+\d/m],
        ['readlink -f', qr/readlink\s+-f/],
        ['sed -i', qr/sed\s+-i/],
        ['mv -T', qr/mv\s+-T/],
        ['grep -P', qr/grep\s+-\w*P/],
        ['date -d', qr/date\s+-d/],
        ['stat -c', qr/stat\s+-c/],
        ['${var^^}', qr/\$\{\w+\^\^\}/],
        ['declare -A', qr/declare\s+-A/],
        ['mapfile', qr/\bmapfile\b|\breadarray\b/],
    );
    is(join(', ', map { $_->[0] } @gnu), '', "$script: no GNU-only tool or bash 4 feature");
}

done_testing();
