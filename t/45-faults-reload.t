#!/usr/bin/perl

# Fault: nginx -s reload, several times, while publishers stream and an
# admin poller GETs /vstream/status and /vstream/metrics without a pause.
# Every poll is answered 200 with a valid document, no record is lost (all
# publishers stay listed and keep counting), publish_accepted never goes
# backwards, a new publisher is accepted after the reloads, and nothing is
# logged at alert level or worse.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use HTTP::Tiny;
use JSON::PP;
use POSIX qw(:sys_wait_h);
use Test::More;
use Time::HiRes qw(time sleep);
use VStream::Test qw(wait_for);

my $top = VStream::Test::top();
my $flood = "$top/build/rtmp-flood";
my $flv = "$top/build/bench/sample.flv";
plan(skip_all => "$flood not built; run 'make tools'") unless -x $flood;
plan(skip_all => "$flv missing; run 'make tools'") unless -f $flv;

my $t = VStream::Test->new();

$t->write_conf(<<'END');
%%PREAMBLE(workers=2)%%

vstream_zone 1m;

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
my $http = $t->port('http');
my $log = $t->prefix . '/logs';
my $npub = 6;

my $fpid = fork // die "fork: $!";
if ($fpid == 0) {
    open STDIN, '<', '/dev/null';
    open STDOUT, '>', "$log/flood.out";
    open STDERR, '>', "$log/flood.err";
    exec $flood, '--url', "rtmp://127.0.0.1:$rtmp/live", '--flv', $flv,
         '--streams', $npub, '--name-prefix', 'cam', '--duration', 120
        or exit 127;
}
push @{ $t->{pids} }, $fpid;

sub streams {
    my $d = $t->json('/vstream/status');
    return { map { $_->{name} => $_ } @{ $d->{streams} } };
}

ok(wait_for(sub { keys %{ streams() } == $npub }, 15), "$npub publishers live");
my $before = streams();
my $accepted0 = $t->json('/vstream/status')->{totals}{publish_accepted};

# The poller: status and metrics in turn, as fast as they answer; one line
# per answer: kind, HTTP status, whether the body is valid, publish_accepted
# and the number of streams listed.
my $polls = "$log/polls.txt";
my $ppid = fork // die "fork: $!";
if ($ppid == 0) {
    my $stop = 0;
    $SIG{TERM} = sub { $stop = 1 };
    my $ua = HTTP::Tiny->new(timeout => 5, keep_alive => 0);
    open my $fh, '>', $polls or exit 1;
    $fh->autoflush(1);
    my $i = 0;
    until ($stop) {
        my $kind = $i++ % 2 ? 'metrics' : 'status';
        my $r = $ua->get("http://127.0.0.1:$http/vstream/$kind");
        my ($valid, $acc, $n) = (0, -1, -1);
        if ($kind eq 'status') {
            my $d = eval { JSON::PP->new->utf8->decode($r->{content}) };
            if ($d && ref $d eq 'HASH' && $d->{totals}) {
                ($valid, $acc, $n) = (1, $d->{totals}{publish_accepted},
                                      scalar @{ $d->{streams} });
            }
        } else {
            my $c = $r->{content} // '';
            my @bad = grep { !/^# (HELP|TYPE) \w+ / && !/^[a-z_]+(\{[^}]*\})? -?[\d.]+$/ }
                      split /\n/, $c;
            ($acc) = $c =~ /^vstream_publish_accepted_total\{app="live"\} (\d+)$/m;
            $n = () = $c =~ /^vstream_stream_received_bytes_total\{/mg;
            $valid = ($c =~ /^vstream_info\{/m && !@bad && $c =~ /\n\z/) ? 1 : 0;
            $acc //= -1;
        }
        printf $fh "%.3f %s %s %d %d %d\n", time, $kind, $r->{status}, $valid, $acc, $n;
    }
    exit 0;
}
push @{ $t->{pids} }, $ppid;
ok(wait_for(sub { -s $polls }, 5), 'the poller is polling');

# five reloads, each once the previous one has its new workers
my $reloads = 5;
my @gen = ([$t->worker_pids]);
for my $n (1 .. $reloads) {
    my %old = map { $_ => 1 } $t->worker_pids;
    $t->reload;
    ok(wait_for(sub { 2 == grep { !$old{$_} } $t->worker_pids }, 10),
       "reload $n: two new workers");
    sleep 0.5;
}

# the records carry on: every publisher listed and still counting
my $after;
ok(wait_for(sub {
    $after = streams();
    keys %$after == $npub
        && !grep { !$after->{$_} || $after->{$_}{bytes_in} <= $before->{$_}{bytes_in} }
           keys %$before;
}, 5), "after $reloads reloads: all $npub publishers listed, bytes_in grown");
is($t->json('/vstream/status')->{totals}{publish_accepted}, $accepted0,
   'publish_accepted unchanged by the reloads');

# a new publisher is accepted by the new workers
system("$flood --url rtmp://127.0.0.1:$rtmp/live --flv $flv --name late "
     . "--duration 1 >$log/flood-late.out 2>&1");
is($? >> 8, 0, 'a publisher after the reloads is accepted');
is($t->json('/vstream/status')->{totals}{publish_accepted}, $accepted0 + 1,
   'and counted');

sleep 0.5;
kill 'TERM', $ppid;
waitpid($ppid, 0);

my @lines = map { [split / /] } split /\n/, $t->read_file($polls);
my @status = grep { $_->[1] eq 'status' } @lines;
my @metrics = grep { $_->[1] eq 'metrics' } @lines;
my $span = @lines ? $lines[-1][0] - $lines[0][0] : 0;
note(sprintf '%d polls (%d status, %d metrics) over %.1f s across %d reloads',
     scalar @lines, scalar @status, scalar @metrics, $span, $reloads);
ok(@status > 20 && @metrics > 20, 'the poller polled all along');
my @failed = grep { $_->[2] != 200 || !$_->[3] } @lines;
is(scalar @failed, 0, 'every poll answered 200 with a valid document')
    or diag(join "\n", map { "@$_" } @failed[0 .. ($#failed < 9 ? $#failed : 9)]);
my @short = grep { $_->[5] < $npub } @lines;
is(scalar @short, 0, "every answer listed all $npub streams");
my ($back, $last) = (0, 0);
for my $l (@lines) {
    next if $l->[4] < 0;
    $back++ if $l->[4] < $last;
    $last = $l->[4];
}
is($back, 0, 'publish_accepted never went backwards');

my $sum = $t->read_file("$log/flood.out");
kill 'INT', $fpid;
wait_for(sub { $t->exited($fpid) }, 5);
$sum = $t->read_file("$log/flood.out");
like($sum, qr/dropped=0 failed=0/, 'no publisher was dropped by the reloads')
    or diag($t->read_file("$log/flood.err"));

# A reload that changes vstream_zone's size must not throw the state away:
# it is refused, with a message naming the old and the new size, and the
# running workers carry on with the zone they have.
my $size_msg = qr/^(?=.*\[emerg\])(?=.*vstream_zone)(?=.*\b(?:1m|1024k|1048576)\b)(?=.*\b(?:2m|2048k|2097152)\b)/m;
{
    my $fpid2 = fork // die "fork: $!";
    if ($fpid2 == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', "$log/flood2.out";
        open STDERR, '>', "$log/flood2.err";
        exec $flood, '--url', "rtmp://127.0.0.1:$rtmp/live", '--flv', $flv,
             '--streams', 2, '--name-prefix', 'keep', '--duration', 60
            or exit 127;
    }
    push @{ $t->{pids} }, $fpid2;
    ok(wait_for(sub { my $s = streams(); $s->{keep1} && $s->{keep2} }, 10),
       'two publishers before a reload with another zone size');
    my $d0 = $t->json('/vstream/status');
    my $conf = $t->read_file('conf/nginx.conf');
    (my $bigger = $conf) =~ s/vstream_zone 1m;/vstream_zone 2m;/;
    $t->write_file('conf/nginx.conf', $bigger);
    my %old = map { $_ => 1 } $t->worker_pids;
    $t->expect_log(qr/"vstream_zone" cannot change from/);
    eval { $t->reload };
    wait_for(sub { $t->error_log =~ $size_msg || 2 == grep { !$old{$_} } $t->worker_pids }, 10);
    sleep 1;
    my $d1 = $t->json('/vstream/status');
    ok($t->error_log =~ $size_msg,
       'a reload with another zone size is refused, naming the old and the new size');
    is(scalar @{ $d1->{streams} }, scalar @{ $d0->{streams} },
       'and the running state carries on: every stream still listed');
    is($d1->{totals}{publish_accepted}, $d0->{totals}{publish_accepted},
       'publish_accepted kept');
    is($d1->{started_at}, $d0->{started_at}, 'the zone is the same (started_at)');
    $t->write_file('conf/nginx.conf', $conf);
}

done_testing();
