#!/usr/bin/perl

# make deb's packages on this machine, the way an administrator uses them:
# deploy/build-deb.sh builds libnginx-mod-vstream and vstreamctl, lintian
# finds nothing, the module package depends on the nginx-abi-* that the
# installed nginx provides and on the installed libnginx-mod-rtmp's exact
# version; apt installs both; the system's own configuration then loads
# nginx-rtmp and vstream through modules-enabled (50-mod-rtmp.conf,
# 60-mod-vstream.conf), with no load_module line of ours; vstreamctl and its
# man page are there; remove and purge leave no modules-enabled link, and
# installing again is clean.
#
# The machine is put back as it was, on failure too: our packages are purged
# at the end, and where they were installed before the test, dpkg-repack
# saved them first and they are installed again.  Nothing else here reads
# /etc/nginx/modules-enabled: the other tests run nginx with their own -c
# configuration and load_module lines.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use Test::More;
use VStream::Test;

my $top = VStream::Test::top();
my $enabled = '/etc/nginx/modules-enabled';
my $link = "$enabled/60-mod-vstream.conf";
my $avail = '/usr/share/nginx/modules-available/mod-vstream.conf';
my $so = '/usr/lib/nginx/modules/ngx_vstream_module.so';
my @pkgs = qw(libnginx-mod-vstream vstreamctl);

plan(skip_all => 'installs packages: run as root') if $> != 0;
for my $tool (qw(dpkg-buildpackage dh dh_nginx lintian dpkg-repack)) {
    plan(skip_all => "$tool not found: run deploy/deps.sh deb")
        unless grep { -x "$_/$tool" } split /:/, $ENV{PATH};
}

# What this test changes must not reach the tests running beside it.
my @readers = grep { !m{/80-deb\.t$} }
    split /\n/, `grep -rl 'modules-enabled' $top/t 2>/dev/null`;
is("@readers", '', 'no other test reads /etc/nginx/modules-enabled');

my $tmp = tempdir('vstream-deb-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $t0 = time;

sub sh {    # sh CMD: exit code, output (stdout and stderr) kept in $tmp/last
    my ($cmd) = @_;
    system("( $cmd ) >$tmp/last 2>&1");
    my $rc = $? >> 8;
    open my $fh, '<', "$tmp/last" or die "$tmp/last: $!";
    local $/;
    my $out = <$fh> // '';
    return wantarray ? ($rc, $out) : $rc;
}

sub field {    # field PKG FIELD: an installed package's field, or ''
    my ($pkg, $f) = @_;
    my $v = `dpkg-query -W -f='\${db:Status-Status} \${$f}' $pkg 2>/dev/null`;
    return $v =~ /^installed (.*)$/s ? $1 : '';
}

sub installed { field($_[0], 'Version') ne '' }

my $apt = 'env DEBIAN_FRONTEND=noninteractive apt-get -y -q'
    . ' -o DPkg::Lock::Timeout=120 --no-install-recommends';

# ---- what was here before, and putting it back at the end ------------------

my @had = grep { installed($_) } @pkgs;
my %had_link = map { $_ => -l "$enabled/$_" }
    ('60-mod-vstream.conf', '60-mod-vstream.conf.removed');
my $had_target = readlink $link;
my @saved;
if (@had) {
    my $dir = "$tmp/saved";
    mkdir $dir;
    my ($rc, $out) = sh("cd $dir && dpkg-repack @had");
    BAIL_OUT("dpkg-repack @had failed: $out") if $rc;
    @saved = glob "$dir/*.deb";
    diag("saved @had (installed before the test) to install them again");
}

# Installing a libnginx-mod-* package triggers nginx's reload, which on a
# machine without systemd starts the system's nginx: services stay as they
# were for the test's length (policy-rc.d, Debian's switch for that).
sub system_nginx {
    open my $fh, '<', '/run/nginx.pid' or return 0;
    my $pid = <$fh> // '';
    chomp $pid;
    return $pid =~ /^\d+$/ && kill(0, $pid) ? 1 : 0;
}
my $nginx_before = system_nginx();
my $policy = '/usr/sbin/policy-rc.d';
my $own_policy = !-e $policy;
if ($own_policy) {
    open my $fh, '>', $policy or BAIL_OUT("$policy: $!");
    print $fh "#!/bin/sh\n# t/80-deb.t: no service starts while it runs\nexit 101\n";
    close $fh;
    chmod 0755, $policy;
}

my $restored = 0;
sub restore {
    return if $restored++;
    sh("$apt purge @pkgs");
    if (@saved) {
        my ($rc, $out) = sh("$apt install @saved");
        diag("could not reinstate @had: $out") if $rc;
        # the administrator's choice of link, as it was
        unlink $link if !$had_link{'60-mod-vstream.conf'};
        if ($had_link{'60-mod-vstream.conf'} && !-l $link) {
            symlink $had_target, $link;
        }
    }
    unlink $policy if $own_policy;
}
END { restore() }
$SIG{INT} = $SIG{TERM} = sub { restore(); exit 1 };

# ---- build -----------------------------------------------------------------

open my $h, '<', "$top/src/ngx_vstream.h" or die "ngx_vstream.h: $!";
my ($version) = join('', <$h>) =~ /^#define NGX_VSTREAM_VERSION\s+"([^"]+)"/m;
close $h;
chomp(my $arch = `dpkg --print-architecture`);
my %deb = map { $_ => "$top/build/deb/${_}_${version}_$arch.deb" } @pkgs;

my ($abi) = field('nginx', 'Provides') =~ /(nginx-abi-[^\s,]+)/;
my $rtmp = field('libnginx-mod-rtmp', 'Version');

# make deb's output (make test builds it first) when it is newer than every
# file it is built from and for this machine's nginx and nginx-rtmp
sub current {
    my @debs = values %deb;
    return 0 if grep { !-f } @debs;
    my $built = (sort { $a <=> $b } map { (stat)[9] } @debs)[0];
    my @inputs = (split(/\n/, `find $top/src $top/vstreamctl $top/deploy/debian -type f`),
                  map { "$top/$_" } qw(config deploy/build-deb.sh deploy/build-module.sh));
    return 0 if grep { (stat)[9] >= $built } @inputs;
    my $dep = `dpkg-deb -f $deb{'libnginx-mod-vstream'} Depends`;
    return $dep =~ /\Q$abi\E/ && $dep =~ /libnginx-mod-rtmp \(= \Q$rtmp\E\)/;
}

if (current()) {
    pass('make deb\'s packages are current: reused');
} else {
    my ($rc, $out) = sh("$top/deploy/build-deb.sh");
    is($rc, 0, "deploy/build-deb.sh builds (" . (time - $t0) . " s)")
        or BAIL_OUT("make deb failed: $out");
}
ok(-f $deb{$_}, "build/deb/${_}_${version}_$arch.deb") for @pkgs;

my ($rc, $out) = sh("lintian --fail-on error,warning $deb{'libnginx-mod-vstream'}"
                 . " $deb{vstreamctl}");
is($rc, 0, 'lintian: no error, no warning') or diag($out);
unlike($out, qr/^[EW]: /m, 'lintian prints no E: or W: line');

# ---- what the packages say ---------------------------------------------------

ok($abi && $rtmp, "the installed nginx provides $abi, libnginx-mod-rtmp is $rtmp");

my $dep = `dpkg-deb -f $deb{'libnginx-mod-vstream'} Depends`;
my %dep = map { /^\s*(\S+)(?:\s*\((.*)\))?\s*$/ ? ($1 => $2 // '') : () }
    split /,/, $dep;
ok(exists $dep{$abi}, "libnginx-mod-vstream depends on $abi") or diag($dep);
is($dep{'libnginx-mod-rtmp'}, "= $rtmp",
   "libnginx-mod-vstream depends on libnginx-mod-rtmp (= $rtmp)");
ok(exists $dep{$_}, "libnginx-mod-vstream depends on $_ (shlibs)")
    for qw(libc6 libssl3 libcurl4 libjansson4);
chomp(my $ctl_dep = `dpkg-deb -f $deb{vstreamctl} Depends`);
like($ctl_dep, qr/\blibcurl4\b.*\blibjansson4\b.*\blibssl3\b/,
     "vstreamctl depends on its libraries ($ctl_dep)");

my %files = map { $_ => join "\n", `dpkg-deb -c $deb{$_}` } @pkgs;
like($files{'libnginx-mod-vstream'}, qr{ \./usr/lib/nginx/modules/ngx_vstream_module\.so$}m,
     'the module is under /usr/lib/nginx/modules');
like($files{'libnginx-mod-vstream'},
     qr{ \./usr/share/nginx/modules-available/mod-vstream\.conf$}m,
     'mod-vstream.conf is in /usr/share/nginx/modules-available');
unlike($files{'libnginx-mod-vstream'}, qr{ \./etc/}m, 'nothing is shipped in /etc');
like($files{vstreamctl}, qr{ \./usr/bin/vstreamctl$}m, '/usr/bin/vstreamctl');
like($files{vstreamctl}, qr{ \./usr/share/man/man1/vstreamctl\.1\.gz$}m,
     'vstreamctl.1');

# The same package claiming another nginx-rtmp, then another nginx ABI: apt
# refuses both (a simulation: nothing is installed).
sub refused {
    my ($what, $from, $to) = @_;
    my $dir = "$tmp/other";
    system("rm -rf $dir $tmp/other.deb");
    my ($rc, $out) = sh("dpkg-deb -R $deb{'libnginx-mod-vstream'} $dir"
        . " && sed -i 's/$from/$to/' $dir/DEBIAN/control"
        . " && dpkg-deb -b $dir $tmp/other.deb");
    is($rc, 0, "a copy depending on $to") or return diag($out);
    ($rc, $out) = sh("$apt -s install $tmp/other.deb");
    isnt($rc, 0, "apt refuses the module built for $what");
    like($out, qr/Depends: \Q$to\E/, "for its dependency on $to") or diag($out);
}
refused('another nginx-rtmp', "libnginx-mod-rtmp (= $rtmp)", 'libnginx-mod-rtmp (= 1:1.2.1-1)');
refused('another nginx', $abi, 'nginx-abi-1.22.0-1');

# ---- nginx with the packages and without them ---------------------------------

# A configuration with no load_module line: only the system's
# modules-enabled, and a directive of each module.  nginx -t fails on an
# unknown directive, so it passes only when both are loaded.
my $probe = "$tmp/probe.conf";
open my $fh, '>', $probe or die "$probe: $!";
print $fh <<"CONF";
include $enabled/*.conf;
pid $tmp/nginx.pid;
error_log $tmp/error.log;
vstream_zone 1m;
events { worker_connections 16; }
rtmp { server { listen 127.0.0.1:1; application live { live on; } } }
CONF
close $fh;

sub nginx_ok {    # nginx_ok DESCRIPTION: the system's nginx -t
    my ($rc, $out) = sh('nginx -t');
    is($rc, 0, "nginx -t (the system's configuration) $_[0]") or diag($out);
}

sub probe { sh("nginx -t -c $probe") }

sub check_installed {
    my ($when) = @_;
    ok(-l $link && readlink($link) eq $avail,
       "$when: $link links $avail") or diag(`ls -l $enabled`);
    my @order = sort glob "$enabled/*.conf";
    my ($r) = grep { $order[$_] =~ m{/50-mod-rtmp\.conf$} } 0 .. $#order;
    my ($v) = grep { $order[$_] eq $link } 0 .. $#order;
    ok(defined $r && defined $v && $r < $v, "$when: included after 50-mod-rtmp.conf");
    nginx_ok("passes ($when)");
    my ($rc, $out) = probe();
    is($rc, 0, "$when: nginx loads rtmp and vstream from modules-enabled alone")
        or diag($out);
}

sub check_gone {
    my ($when, $removed_ok) = @_;
    my @left = grep { !($removed_ok && /\.removed$/) } glob "$enabled/*vstream*";
    is("@left", '', "$when: no modules-enabled link of ours");
    ok(!-e $so, "$when: $so is gone");
    ok(-l "$enabled/50-mod-rtmp.conf", "$when: 50-mod-rtmp.conf is still there");
    nginx_ok("passes ($when)");
    my ($rc, $out) = probe();
    like($out, qr/unknown directive "vstream_zone"/, "$when: vstream is no longer loaded");
}

sub install_ok {
    my ($what, $cmd) = @_;
    my $start = time;
    my ($rc, $out) = sh($cmd);
    is($rc, 0, "$what (" . (time - $start) . " s)") or diag($out);
    unlike($out, qr/^(?:E|W): |dpkg: warning/m, "$what: no error or warning")
        or diag($out);
}

my $both = "$deb{'libnginx-mod-vstream'} $deb{vstreamctl}";

if (@had) {
    sh("$apt purge @pkgs");
}
ok(!installed($_), "$_ is not installed before the test's install") for @pkgs;
($rc, $out) = probe();
like($out, qr/unknown directive "vstream_zone"/,
     'without the package the probe configuration fails (the probe can fail)');

install_ok('apt-get install the two packages', "$apt install $both");
check_installed('installed');

chomp(my $v = `/usr/bin/vstreamctl --version 2>&1`);
like($v, qr/^vstreamctl \Q$version\E \(libcurl /, "vstreamctl --version: $v");
my $man = '/usr/share/man/man1/vstreamctl.1.gz';
if (-x '/usr/bin/man') {
    chomp(my $w = `man -w vstreamctl 2>&1`);
    is($w, $man, 'man -w vstreamctl finds the page');
} else {
    ok(-f $man, "$man exists (no man here)");
}

install_ok('apt-get remove', "$apt remove @pkgs");
check_gone('removed', 1);
ok(!-e '/usr/bin/vstreamctl', 'removed: vstreamctl is gone');

# Debian's way: a removed module's link waits as NN-mod-NAME.conf.removed and
# comes back when the package is installed again
install_ok('apt-get install again after remove', "$apt install $both");
check_installed('installed again');
ok(!-e "$link.removed", 'installed again: no 60-mod-vstream.conf.removed left');

install_ok('apt-get purge', "$apt purge @pkgs");
check_gone('purged', 0);
ok(!installed($_), "purged: $_ is not installed") for @pkgs;

restore();
is(join(' ', grep { installed($_) } @pkgs), join(' ', @had),
   'the machine has the packages of ours it had before (' . (@had ? "@had" : 'none') . ')');
ok(!-e $link || $had_link{'60-mod-vstream.conf'},
   'and no link it did not have');
diag('t/80-deb.t took ' . (time - $t0) . ' s');

restore();
is(system_nginx(), $nginx_before,
   "the system's nginx runs as before the test (the packages' reload triggers started none)");

done_testing();
