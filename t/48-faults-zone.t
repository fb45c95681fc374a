#!/usr/bin/perl

# Fault: the smallest zone (vstream_zone 64k) filled and emptied three
# times with the light publisher.  Each round, publishes are accepted until
# the zone is full, then refused with reason zone_full (status and metrics
# say so, the error log says to raise vstream_zone); when the publishers
# leave, the zone is empty again; and the same number of streams fits every
# round (nothing leaks in the slab).

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use POSIX qw(:sys_wait_h);
use Test::More;
use VStream::Test qw(wait_for);

my $top = VStream::Test::top();
my $flood = "$top/build/rtmp-flood";
my $flv = "$top/build/bench/sample.flv";
plan(skip_all => "$flood not built; run 'make tools'") unless -x $flood;
plan(skip_all => "$flv missing; run 'make tools'") unless -f $flv;

my $t = VStream::Test->new();

$t->write_conf(<<'END');
%%PREAMBLE(workers=2, connections=1024)%%

vstream_zone 64k;

rtmp {
    server {
        listen 127.0.0.1:%%PORT_RTMP%%;
        application live { live on; }
    }
}

http {
    access_log off;
    server {
        listen 127.0.0.1:%%PORT_HTTP%%;
        location /vstream/ { vstream_admin; allow 127.0.0.1; deny all; }
    }
}
END

$t->run;
my $rtmp = $t->port('rtmp');
my $log = $t->prefix . '/logs';

# more than fit: names z1..z150, all in the same slab size class
my $attempts = 150;

sub status { $t->json('/vstream/status') }

sub zone_bytes {
    my $m = $t->get('/vstream/metrics')->{content};
    my ($size) = $m =~ /^vstream_zone_size_bytes (\d+)$/m;
    my ($used) = $m =~ /^vstream_zone_used_bytes (\d+)$/m;
    return (size => $size // -1, used => $used // -1);
}

sub zone_full {
    my ($d) = @_;
    my ($app) = grep { $_->{app} eq 'live' } @{ $d->{apps} };
    return $app ? $app->{publish_denied}{zone_full} : 0;
}

my @fit;
my $full_before = 0;

for my $round (1 .. 3) {
    my $before = status();
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', "$log/flood-$round.out";
        open STDERR, '>', "$log/flood-$round.err";
        exec $flood, '--url', "rtmp://127.0.0.1:$rtmp/live", '--flv', $flv,
             '--streams', $attempts, '--name-prefix', 'z', '--duration', 60,
             '--rate', 0.05, '--connect-rate', 300, '--timeout', 20
            or exit 127;
    }
    push @{ $t->{pids} }, $pid;

    # every attempt has been answered: accepted or refused
    my $d = wait_for(sub {
        my $d = status();
        my $n = ($d->{totals}{publish_accepted} - $before->{totals}{publish_accepted})
              + ($d->{totals}{publish_denied} - $before->{totals}{publish_denied});
        $n >= $attempts ? $d : undef;
    }, 30);
    ok($d, "round $round: all $attempts publishes answered");
    $d ||= status();

    my $full = zone_full($d);
    ok($full > $full_before, "round $round: the full zone refuses with reason zone_full ("
       . ($full - $full_before) . ' refused)');
    my $accepted = $d->{totals}{publish_accepted} - $before->{totals}{publish_accepted};
    is($d->{totals}{streams}, $accepted, "round $round: $accepted streams live, as many as accepted");
    is(scalar @{ $d->{streams} }, $d->{totals}{streams}, "round $round: status lists every one");
    is(($full - $full_before) + $accepted, $attempts, "round $round: the rest were refused as zone_full");
    my @denied = grep { $_->{reason} eq 'zone_full' } @{ $d->{denied} };
    ok(@denied, "round $round: the denials ring shows zone_full");
    push @fit, $accepted;
    $full_before = $full;
    my %zone = zone_bytes();
    is($zone{size}, 65536, "round $round: vstream_zone_size_bytes is the zone's 64 KiB");
    ok($zone{used} > 0.75 * $zone{size}, "round $round: vstream_zone_used_bytes of the full zone: $zone{used}");

    $t->kill_process($pid);
    ok(wait_for(sub {
        my $d = status();
        $d->{totals}{streams} == 0 && !@{ $d->{streams} }
            && !grep { $_->{streams} } @{ $d->{apps} };
    }, 15), "round $round: the zone is empty once the publishers leave");
    my %empty = zone_bytes();
    ok($empty{used} < $zone{used}, "round $round: and uses less of it: $empty{used} bytes");
}

note("streams that fit in a 64 KiB zone, per round: @fit");
ok($fit[0] >= 50, "a 64 KiB zone holds $fit[0] streams");
is_deeply([@fit[1, 2]], [$fit[0], $fit[0]],
          'the same number fits every round (no leak in the slab)');

like($t->get('/vstream/metrics')->{content},
     qr/^vstream_publish_denied_total\{app="live",reason="zone_full"\} $full_before$/m,
     'metrics count every zone_full refusal');
my @advice = $t->error_log =~ /\[error\][^\n]*zone is full[^\n]*raise "vstream_zone"/g;
is(scalar @advice, $full_before, 'each refusal logs at error level: raise "vstream_zone"');
like($t->error_log, qr/\[warn\][^\n]*publish refused: client 127\.0\.0\.1, app "live", stream "z\d+", reason zone_full/,
     'and the refusal itself at warn, with the reason');

# after three rounds a publish still gets in
system("$flood --url rtmp://127.0.0.1:$rtmp/live --flv $flv --name after "
     . "--duration 1 >/dev/null 2>&1");
is($? >> 8, 0, 'the emptied zone takes a new publisher');

done_testing();
