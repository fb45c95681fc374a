#!/usr/bin/perl

# Hostile RTMP clients (bench/rtmp-hostile) against a real nginx with the
# module, nginx-rtmp live + HLS and two workers, while ffmpeg publishes a
# legitimate stream: malformed handshakes, absurd chunk sizes, publish out
# of order, a second publish on one connection, over-long and forbidden
# names, 1,000 publish/close cycles, 300 half-open connections.  Every
# case gets the answer it should; afterwards no worker died, the counters
# add up to exactly what was refused and why, the only live stream is the
# legitimate one, and it never stalled: its bytes and its HLS segments
# kept coming all through the attack.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use JSON::PP;
use POSIX qw(:sys_wait_h);
use Test::More;
use Time::HiRes qw(time sleep);
use VStream::Test qw(wait_for);

my $hostile = VStream::Test::top() . '/build/rtmp-hostile';
plan(skip_all => "$hostile not built; run 'make tools'") unless -x $hostile;

my $t = VStream::Test->new(need => [qw(ffmpeg)]);

$t->write_conf(<<'END');
%%PREAMBLE(workers=2, connections=1024)%%

rtmp {
    server {
        listen 127.0.0.1:%%PORT_RTMP%%;
        application live {
            live on;
            hls on;
            hls_path %%PREFIX%%/hls;
            hls_fragment 1s;
            hls_playlist_length 4s;
            vstream_hls_path %%PREFIX%%/hls;
        }
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
my $url = "rtmp://127.0.0.1:$rtmp/live";

my $ffmpeg = $t->publish("$url/legit", gop => 25);

sub last_segment {
    my @ts = grep { /\.ts$/ } split /\n/, $t->read_file('hls/legit.m3u8');
    return $ts[-1] // '';
}

ok(wait_for(sub {
    my $s = $t->status_stream('live', 'legit');
    $s && $s->{bytes_in} > 0 && $s->{hls} && $s->{hls}{segments} >= 2;
}, 30), 'the legitimate stream is live with HLS segments');

# the master's children that are workers (not the cache manager)
sub workers {
    return grep {
        my $fh;
        open($fh, '<', "/proc/$_/cmdline") && (<$fh> // '') =~ /worker process/;
    } $t->worker_pids;
}

my @workers = workers();
is(scalar @workers, 2, 'two workers');
my $before = $t->json('/vstream/status');

# the attack, in the background, while we watch the legitimate stream

my $out = $t->prefix . '/logs/hostile.out';
my $pid = fork // die "fork: $!";
if ($pid == 0) {
    setpgrp(0, 0);    # its --jobs children go with it on a timeout
    open STDIN, '<', '/dev/null';
    open STDOUT, '>', $out;
    open STDERR, '>', $t->prefix . '/logs/hostile.err';
    exec $hostile, '--url', $url, '--live-name', 'legit', '--cycles', 1000,
        '--jobs', 4, '--half-open', 300, '--hold', 8 or exit 127;
}

my $started = time;
my ($exit, @bytes, @segs, $bad_json);
my $deadline = $started + 75;
while (time < $deadline) {
    my $r = waitpid($pid, WNOHANG);
    if ($r == $pid) {
        $exit = $? >> 8;
        last;
    }
    my $now = time;
    my $doc = eval { $t->json('/vstream/status') };
    if (!$doc) {
        $bad_json = $@;
    } else {
        my ($s) = grep { $_->{app} eq 'live' && $_->{name} eq 'legit' }
                  @{ $doc->{streams} };
        push @bytes, [$now, $s ? $s->{bytes_in} : -1];
    }
    push @segs, [$now, last_segment()];
    sleep 0.5;
}
my $took = time - $started;
if (!defined $exit) {
    kill 'KILL', -$pid;
    waitpid($pid, 0);
}
is($exit, 0, sprintf('rtmp-hostile ran every case (%.1f s)', $took));
ok(!$bad_json, 'every status answer during the attack was JSON')
    or diag($bad_json);

my %res;
for my $line (split /\n/, $t->read_file('logs/hostile.out')) {
    note($line);
    my ($case, $result, $rest) = $line =~ /^case=(\S+) result=(\S+) (.*)$/
        or next;
    $res{$case} = { result => $result, line => $line,
                    map { /^(\w+)=(.*)$/ } split / /, $rest };
}

# What each case must get.  The handshake and chunk cases are nginx-rtmp
# 1.2.2's own answers to that input (its log says why); the publish cases
# are the module's.
my @bad = ((map { sprintf 'name-0x%02x', $_ } 1 .. 31, 0x7f),
           qw(name-slash name-backslash name-dotdot name-dot));
my %expect = (
    'hs-bad-version'           => 'closed',    # unexpected RTMP version: 6
    'hs-bad-digest'            => 'accepted',  # digest not found: old style
    'hs-short-c1'              => 'ignored',   # waits for the rest of C1
    'hs-garbage-c2'            => 'accepted',  # C2 is not checked
    'hs-then-garbage'          => 'closed',    # chunk stream too big
    'chunk-size-0'             => 'closed',    # too big message
    'chunk-size-max'           => 'closed',    # [alert] too big chunk size
    'chunk-size-64k-use'       => 'accepted',
    'chunk-size-10m-use'       => 'accepted',
    'publish-no-connect'       => 'closed',
    'publish-no-create-stream' => 'accepted',
    'name-256'                 => 'closed',    # name_too_long: see below
    'name-1000'                => 'closed',
    'name-10000'               => 'closed',
    (map { $_ => 'closed' } @bad),             # bad_name
    'second-publish-other'          => 'closed',    # second_publish
    'second-publish-same'           => 'closed',    # second_publish
    'second-publish-live-elsewhere' => 'closed',    # second_publish
    'publish-duplicate'        => 'closed',    # duplicate
    'cycles'                   => 'accepted',
    'half-open'                => 'accepted',
);
for my $case (sort keys %expect) {
    my $r = $res{$case};
    is($r && $r->{result}, $expect{$case}, "$case: $expect{$case}")
        or diag($r ? $r->{line} : "$case did not run");
}
for my $case (grep { /^second-publish/ } keys %expect) {
    is($res{$case} && $res{$case}{open_after}, 'no',
       "$case: the connection is closed, its first stream with it");
}
like($res{cycles} && $res{cycles}{accepted} // '', qr/^1000$/,
     '1,000 publish/close cycles, all accepted');
like($res{'half-open'} && $res{'half-open'}{line} // '',
     qr/held=300 wanted=300 closed_by_server=0 probe=accepted hold_s=8.0/,
     '300 half-open connections held while a publisher got through');

# the legitimate stream never stalled

# the longest time without a change, from the first poll to the last
sub longest_gap {
    my (@polls) = @_;
    return (undef, 0) unless @polls;
    my @at = ($polls[0][0]);
    my $changes = 0;
    for my $i (1 .. $#polls) {
        next if $polls[$i][1] eq $polls[$i - 1][1];
        push @at, $polls[$i][0];
        $changes++;
    }
    push @at, $polls[-1][0];
    my $gap = 0;
    for my $i (1 .. $#at) {
        $gap = $at[$i] - $at[$i - 1] if $at[$i] - $at[$i - 1] > $gap;
    }
    return ($gap, $changes);
}

ok(!grep({ $_->[1] < 0 } @bytes), 'the legitimate stream stayed live on every poll');
# long enough for a stall of more than 3 s to show (the half-open hold)
ok(@bytes >= 12 && $bytes[-1][0] - $bytes[0][0] >= 6,
   sprintf('%d polls over %.1f s of attack', scalar @bytes,
           @bytes ? $bytes[-1][0] - $bytes[0][0] : 0));
ok(!grep({ $bytes[$_][1] < $bytes[$_ - 1][1] } 1 .. $#bytes),
   'its bytes_in never went back');
my ($gap, $grew) = longest_gap(@bytes);
ok($grew >= 1 && $gap <= 3,
   sprintf('its bytes_in kept growing (%d times, longest gap %.1f s)', $grew, $gap));
my ($sgap, $new) = longest_gap(@segs);
ok($new >= 1 && $sgap <= 3.5,
   sprintf('its HLS playlist kept getting new segments (%d, longest gap %.1f s)',
           $new, $sgap));

# afterwards: the records and counters add up

my $after = wait_for(sub {
    my $d = $t->json('/vstream/status');
    @{ $d->{streams} } == 1 ? $d : undef;
}, 10) || $t->json('/vstream/status');
is($after->{totals}{streams}, scalar @{ $after->{streams} },
   'totals.streams equals the number of live records');
is_deeply([map { "$_->{app}/$_->{name}" } @{ $after->{streams} }], ['live/legit'],
          'the legitimate stream is the only one live');

# accepted publishes: 2 chunk-size cases, publish without createStream,
# the first publish of the 3 second-publish cases, 1,000 cycles, the
# half-open probe
is($after->{totals}{publish_accepted} - $before->{totals}{publish_accepted},
   1007, 'publish_accepted grew by the publishes that were accepted');

my %want = (bad_name => scalar @bad, duplicate => 1, second_publish => 3,
            name_too_long => 3);
my ($app) = grep { $_->{app} eq 'live' } @{ $after->{apps} };
my ($app0) = grep { $_->{app} eq 'live' } @{ $before->{apps} };
for my $reason (qw(cidr signature expired zone_full bad_name duplicate
                   second_publish name_too_long exp_too_far rtmp)) {
    my $n = ($app->{publish_denied}{$reason} // -1)
          - ($app0->{publish_denied}{$reason} // 0);
    is($n, $want{$reason} // 0, "publish_denied{$reason}: " . ($want{$reason} // 0));
}
is($after->{totals}{publish_denied} - $before->{totals}{publish_denied}, 43,
   'totals.publish_denied: 43');

my $metrics = $t->get('/vstream/metrics')->{content};
like($metrics, qr/^vstream_publish_denied_total\{app="live",reason="bad_name"\} 36$/m,
     'metrics agree on bad_name');

# the denial ring, newest first: the last 32 refusals in the order sent
my $raw = $t->get('/vstream/status')->{content};
my $ring = eval { JSON::PP->new->utf8->decode($raw)->{denied} };
ok(ref $ring eq 'ARRAY', 'the denial ring decodes');
my @names = ((map { "bad" . chr($_) . "x" } 1 .. 31, 0x7f),
             'bad/x', 'bad\\x', 'bad..x', '.');
my @ring_want = (['duplicate', 'legit'],
                 ['second_publish', 'legit'],
                 ['second_publish', 'hostile-second-1'],
                 ['second_publish', 'hostile-second-other'],
                 map { ['bad_name', $_] } reverse @names[-28 .. -1]);
is_deeply([map { [$_->{reason}, $_->{stream}] } @{ $ring || [] }], \@ring_want,
          'the ring holds the last 32 refusals, reasons and names intact');
ok(!grep({ $_->{app} ne 'live' || !$_->{addr} || !$_->{at} } @{ $ring || [] }),
   'each with app, address and time');

# logs: refusals at warn; nginx-rtmp cuts long names to 255 bytes, which
# vstream refuses as possibly cut (name_too_long)
my $log = $t->error_log;
my @sp = $log =~ /\[warn\][^\n]*publish refused[^\n]*reason second_publish/g;
is(scalar @sp, 3, 'each second publish is logged at warn');
for my $len (256, 1000, 10000) {
    my $prefix = "hostile-long$len-";
    my $name = $prefix . ('a' x (255 - length $prefix));
    my $logged = substr($name, 0, 64) . '...';
    like($log, qr/vstream: publish refused: [^\n]*stream "\Q$logged\E", reason name_too_long/,
         "a $len-byte name (cut to 255 bytes by nginx-rtmp) is refused as too long");
}

# nothing died

ok(!$t->exited($ffmpeg), 'ffmpeg is still publishing');
is_deeply([workers()], \@workers, 'the same two workers as before');
my @alerts = grep { /\[alert\].*too big RTMP chunk size:2147483647/ } split /\n/, $t->error_log;
is(scalar @alerts, 1, "nginx-rtmp's own alert for the 2^31-1 chunk size, once");
$t->expect_log(qr/too big RTMP chunk size:2147483647/);

done_testing();
