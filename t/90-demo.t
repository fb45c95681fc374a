#!/usr/bin/perl

# make demo end to end: deploy/demo.sh on free ports, its publisher in a
# network namespace, a healthy HLS stream over HTTPS; headless Chromium
# (playwright-core, web/tests/browser.js) plays the player page and reads the
# dashboard, saving build/screenshots/{player,dashboard}.png; the admin API
# answers loopback only; SIGINT leaves nothing behind.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use JSON::PP;
use POSIX ();
use Test::More;
use Time::HiRes qw(time);
use VStream::Test qw(wait_for);

my $t = VStream::Test->new(need => [qw(ffmpeg netns curl openssl node chromium)]);
my $top = VStream::Test::top();

# node_modules (hls.js for the pages, playwright-core for this test)
system("$top/web/build.sh >/dev/null 2>&1");
plan(skip_all => 'web/node_modules has no playwright-core (web/build.sh: npm ci failed)')
    unless -f "$top/web/node_modules/playwright-core/package.json";

my $started = time;
my ($http, $https, $rtmp) = map { $t->port($_) } qw(http https rtmp);
$t->release_ports;                              # for the demo's own nginx
my $net = '10.77.' . (100 + $$ % 100);         # clear of the demo's default 10.77.0
my $dir = $t->prefix . '/demo';                # demo.sh makes it and removes it
my $log = $t->prefix . '/logs/demo.log';
my $base = "https://127.0.0.1:$https";

my $demo = fork // die "fork: $!";
if ($demo == 0) {
    $SIG{INT} = $SIG{TERM} = 'DEFAULT';
    @ENV{qw(VSTREAM_DEMO_HTTP_PORT VSTREAM_DEMO_HTTPS_PORT VSTREAM_DEMO_RTMP_PORT
            VSTREAM_DEMO_NET VSTREAM_DEMO_DIR VSTREAM_DEMO_SIZE)} =
        ($http, $https, $rtmp, $net, $dir, '640x360');
    open STDIN, '<', '/dev/null';
    open STDOUT, '>', $log;
    open STDERR, '>&', \*STDOUT;
    exec "$top/deploy/demo.sh" or exit 127;
}
my $ns = "vstream-demo-$demo";

# if the test dies early: interrupt the demo and give it time to clean up
END {
    if ($demo && kill 0, $demo) {
        kill 'INT', $demo;
        wait_for(sub { waitpid($demo, POSIX::WNOHANG()) != 0 }, 20);
    }
}

sub curl { my $out = `curl -ks --max-time 5 @_ 2>/dev/null`; return $out }

# ready (the URLs printed) with a healthy HLS stream: the playlist lists
# segments and the module agrees
my $ready = wait_for(sub {
    return 'exited' if $t->exited($demo);
    return undef unless $t->read_file($log) =~ /vstream demo is running/;
    my $pl = curl("$base/hls/demo.m3u8");
    return undef unless $pl =~ /#EXTINF/;
    return curl("$base/vstream/status") =~ /"name":\s*"demo".*"healthy":\s*true/ ? 'ok' : undef;
}, 40) // 'timeout';
is($ready, 'ok', 'the demo serves a healthy HLS stream over HTTPS')
    or diag($t->read_file($log));
my $out = $t->read_file($log);
like($out, qr{dashboard\s+\Q$base/dashboard/\E}, 'it prints the dashboard URL');
like($out, qr{player\s+\Q$base/\E$}m, 'the player URL');
like($out, qr{status\s+\Q$base/vstream/status\E}, 'the status URL');
like($out, qr{vstreamctl status --url \Q$base/vstream\E -k}, 'and a vstreamctl hint');
ok(-d $dir && (stat $dir)[2] & 0005, 'its directory is open to the nginx workers');
ok(system("ip netns list | grep -qw $ns") == 0, "the publisher's namespace $ns exists");
my ($master) = $t->read_file("$dir/logs/nginx.pid") =~ /(\d+)/;
my @procs = $master ? ($master, `pgrep -P $master` =~ /(\d+)/g) : ();
push @procs, `ip netns pids $ns 2>/dev/null` =~ /(\d+)/g;
ok(@procs >= 4, 'nginx (master, workers) and ffmpeg run: ' . join(' ', @procs));

# the pages and the API, as configured
like(`curl -s -o /dev/null -w '%{http_code} %{redirect_url}' http://127.0.0.1:$http/dashboard/`,
     qr{^301 https://127\.0\.0\.1:$https/dashboard/$}, 'plain HTTP redirects to HTTPS');
like(curl("$base/"), qr{<video id="video"}, 'the player page is at /');
like(curl("$base/dashboard/"), qr{vstream · dashboard}, 'the dashboard at /dashboard/');
like(curl('-o /dev/null -w "%{http_code}"', "$base/js/hls.min.js"), qr/^200$/, 'hls.js is served locally');
my $status = eval { JSON::PP->new->decode(curl("$base/vstream/status")) } || {};
my ($s) = grep { $_->{name} eq 'demo' } @{ $status->{streams} || [] };
is($s && $s->{publisher}{addr}, "$net.2", 'the stream is published from the namespace');
is($s && $s->{video}{width}, 640, 'at the size asked for');
ok((grep { $_->{addr} eq '127.0.0.1' && $_->{reason} eq 'cidr' } @{ $status->{denied} || [] }),
   'the publisher from loopback was refused (cidr)');
SKIP: {
    skip 'no IPv6 on this host', 1 unless -f '/proc/net/if_inet6';
    like(curl('-o /dev/null -w "%{http_code}"', "https://[::1]:$https/vstream/status"), qr/^200$/,
         'the admin API answers ::1 too');
}
like(`ip netns exec $ns curl -ks --max-time 5 -o /dev/null -w '%{http_code}' https://$net.1:$https/vstream/status`,
     qr/^403$/, 'the admin API refuses a client off loopback');
like(`ip netns exec $ns curl -ks --max-time 5 -o /dev/null -w '%{http_code}' https://$net.1:$https/hls/demo.m3u8`,
     qr/^200$/, 'which can still watch');

# the browser
my $shots = "$top/build/screenshots";
# the host's address on the streamer's subnet is not loopback: the admin API
# refuses the browser there
my $json = `cd $top/web && node tests/browser.js $base $shots https://$net.1:$https 2>&1`;
my $b = eval { JSON::PP->new->decode((grep { /^\{/ } split /\n/, $json)[-1] // '') }
    || { errors => ["no JSON from browser.js: $json"] };
is_deeply($b->{errors}, [], 'the browser found no problem');
ok($b->{h264}, 'Chromium plays H.264 and AAC through Media Source Extensions');
ok($b->{player_lists_stream}, 'the player lists live/demo from the API');
my ($c0, $c1, $wall) = map { sprintf '%.1f', $_ } @{ $b->{current_time} || [0, 0, 0] };
ok($c1 - $c0 > 1.5, "the video plays: currentTime went from $c0 to $c1 s in $wall s");
like($b->{dashboard_bitrate} // '', qr/^[\d.]+ [kM]bit\/s$/, "the dashboard shows a bitrate ($b->{dashboard_bitrate})");
like($b->{dashboard_row} // '', qr{live/demo \Q$net\E\.2 .*640×360 H264}, 'its row: stream, publisher, video');
like($b->{dashboard_row} // '', qr/healthy/, 'and HLS health');
like($b->{denied} // '', qr{127\.0\.0\.1 live/intruder cidr}, 'the recent denials');
ok(-s "$shots/$_.png", "screenshot build/screenshots/$_.png") for qw(player dashboard);
ok($b->{fallback_plays}, 'where the admin API refuses it, the player plays live/demo by name');
like($b->{fallback_note} // '', qr/HTTP 403/, 'and says why the list is missing');
ok($b->{sparse_nohls} && $b->{sparse_bare} && $b->{sparse_empty} && $b->{sparse_player},
   'the pages cope with hls: null, missing fields and an empty status');
ok($b->{token} && $b->{token}{accepted}, 'the dashboard asks for a bearer token where the API wants one');
ok($b->{drop_removed}, "the dashboard's Drop button disconnects the publisher");
ok($b->{drop_returned}, 'which publishes again, as the streamer does on AWS');
ok($b->{rec_listed} && $b->{rec_duration},
   'the player lists the recording live/clip and plays it (' . ($b->{rec_duration} // '-') . ' s)');
my ($mid, $at) = @{ $b->{rec_seek} || [] };
ok(defined $at && abs($at - $mid) < 1, sprintf('and seeks to its middle (%.1f -> %.1f s)', $mid // 0, $at // 0));
like($b->{rec_dashboard} // '', qr/[\d.]+ (KiB|MiB)/, 'the dashboard lists it with its size');

# Ctrl-C: everything goes
kill 'INT', $demo;
ok(wait_for(sub { $t->exited($demo) }, 20), 'SIGINT stops the demo');
ok(system("ip netns list | grep -qw $ns") != 0, 'the namespace is gone');
is(`ip -o -4 addr show to $net.0/24`, '', 'and the veth pair');
ok(!-e $dir, 'the directory is removed');
is(join(' ', grep { kill 0, $_ } @procs), '', 'none of its nginx and ffmpeg processes is left');
is(`pgrep -af '$dir|rtmp://$net' | grep -v pgrep`, '', 'nor any other process of it');
like($t->read_file($log), qr/demo: stopped; removed/, 'it says so');

my $took = time - $started;
ok($took < 90, sprintf('the whole run took %.0f s', $took));

done_testing();
