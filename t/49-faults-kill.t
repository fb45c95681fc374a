#!/usr/bin/perl

# Fault: kill -9 of the worker holding publishers (two workers).  Its
# records leave status within about a second (reaped by the survivor,
# counted in totals.reaped, logged), the other worker's publishers are
# untouched, the master starts a new worker, and the same names publish
# again at once: accepted, not refused as duplicate, even before the
# reaper has run.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use POSIX qw(:sys_wait_h);
use Test::More;
use Time::HiRes qw(time sleep);
use VStream::Test qw(wait_for);

my $t = VStream::Test->new(need => [qw(flood)]);

$t->write_conf(<<'END');
%%PREAMBLE(workers=2)%%

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

sub flood {
    my ($tag, @args) = @_;
    return $t->flood($tag, '--url', "rtmp://127.0.0.1:$rtmp/live",
                     '--duration', 60, @args);
}

sub streams {
    my $d = $t->json('/vstream/status');
    return { map { $_->{name} => $_ } @{ $d->{streams} } };
}

my @workers;
ok(wait_for(sub { @workers = $t->worker_pids; @workers == 2 }, 5), 'two workers');

# An idle nginx hands new connections to one worker (EPOLLEXCLUSIVE): to
# give each worker publishers, the other is stopped while they connect
# (a stopped worker is not waiting in epoll, so the kernel wakes the other;
# it must have stopped, not merely been sent SIGSTOP, before they connect).
sub state_of {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/stat" or return '';
    my ($state) = <$fh> =~ /^\d+ \(.*\) (\S)/;
    return $state;
}

for my $i (0, 1) {
    my ($w, $other) = ($workers[$i], $workers[1 - $i]);
    my $tag = $i ? 'b' : 'a';
    kill 'STOP', $other;
    wait_for(sub { state_of($other) eq 'T' }, 5) or die "worker $other did not stop";
    flood($tag, '--streams', 3, '--name-prefix', $tag);
    my $ok = wait_for(sub {
        my $s = streams();
        3 == grep { $s->{"$tag$_"} } 1 .. 3;
    }, 10);
    kill 'CONT', $other;
    ok($ok, "three publishers on worker $w");
}

my $s = streams();
my %pid_of = map { $_ => $s->{$_}{publisher}{worker_pid} } keys %$s;
my $victim = $pid_of{a1};
my @dead = sort grep { $pid_of{$_} == $victim } keys %pid_of;
my @alive = sort grep { $pid_of{$_} != $victim } keys %pid_of;
ok(@dead && @alive, "worker $victim holds @dead; the other holds @alive");

my $reaped0 = $t->json('/vstream/status')->{totals}{reaped};
my $accepted0 = $t->json('/vstream/status')->{totals}{publish_accepted};
my %bytes0 = map { $_ => $s->{$_}{bytes_in} } @alive;

$t->expect_log(qr/worker process $victim exited on signal 9/);
kill 'KILL', $victim;
my $t0 = time;

# one victim's name publishes again at once, before any reaping
my $again = flood('again1', '--name', $dead[0]);
ok(wait_for(sub {
    my $st = $t->status_stream('live', $dead[0]);
    $st && $st->{publisher}{worker_pid} != $victim;
}, 5), "$dead[0] publishes again right after the kill: accepted");
note(sprintf '%s accepted again %.2f s after the kill', $dead[0], time - $t0);

ok(wait_for(sub {
    my $s = eval { streams() } or return;
    !grep { $_->{publisher}{worker_pid} == $victim } values %$s;
}, 5), "the killed worker's streams leave status");
my $took = time - $t0;
note(sprintf "killed worker's records gone from status %.2f s after kill -9", $took);
ok($took < 2, sprintf('within 2 s (%.2f s)', $took));

my $d = $t->json('/vstream/status');
is($d->{totals}{reaped} - $reaped0, scalar @dead,
   'every record of the killed worker is counted in totals.reaped');
like($t->get('/vstream/metrics')->{content},
     qr/^vstream_reaped_streams_total $d->{totals}{reaped}$/m, 'and in metrics');
like($t->error_log, qr/\[warn\].*vstream: reaped \d+ stream\(s\) of worker $victim, which is gone/,
     'the reaping is logged at warn with the pid');
is($d->{apps}[0]{publish_denied}{duplicate}, 0, 'no publish refused as duplicate');

# the survivor's publishers are untouched
$s = streams();
for my $name (@alive) {
    ok($s->{$name} && $s->{$name}{publisher}{worker_pid} == $pid_of{$name},
       "$name still live on worker $pid_of{$name}");
}
ok(wait_for(sub {
    my $s = streams();
    !grep { !$s->{$_} || $s->{$_}{bytes_in} <= $bytes0{$_} } @alive;
}, 3), 'and still counting bytes');

# the master replaces the worker; every other victim name publishes again
ok(wait_for(sub { my @w = $t->worker_pids; @w == 2 && !grep { $_ == $victim } @w }, 5),
   'the master starts a new worker');
my $n = 2;
flood('again' . $n++, '--name', $_) for @dead[1 .. $#dead];
ok(wait_for(sub {
    my $s = streams();
    !grep { !$s->{$_} || $s->{$_}{publisher}{worker_pid} == $victim } @dead;
}, 10), "every name of the killed worker is live again (@dead)");
$d = $t->json('/vstream/status');
is($d->{totals}{publish_accepted} - $accepted0, scalar @dead, 'each accepted once more');
is($d->{totals}{streams}, @dead + @alive, 'and status counts each stream once');
is($d->{apps}[0]{publish_denied}{duplicate}, 0, 'none refused as duplicate');
is($d->{totals}{reaped} - $reaped0, scalar @dead, 'nothing reaped twice');

done_testing();
