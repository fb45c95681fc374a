#!/usr/bin/perl

# A worker killed hard leaves its records behind, and the reaper removes
# them.  Its pid may be handed to another process at once: the reaper knows
# a worker by its pid and its start time, so a stranger living under the
# dead worker's pid does not keep the records (and the names, refused as
# duplicates) alive.  The test makes the kernel give the dead worker's pid
# to a process of its own (/proc/sys/kernel/ns_last_pid).

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use POSIX qw(:sys_wait_h);
use Test::More;
use Time::HiRes qw(time sleep);
use VStream::Test qw(wait_for);

plan(skip_all => 'needs root to write /proc/sys/kernel/ns_last_pid')
    unless -w '/proc/sys/kernel/ns_last_pid';

my $t = VStream::Test->new(need => ['flood']);

$t->write_conf(<<'END');
%%PREAMBLE(workers=2)%%

rtmp {
    server {
        listen 127.0.0.1:%%PORT_RTMP%%;
        application live {
            live on;
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
my $base = 'rtmp://127.0.0.1:' . $t->port('rtmp');

my $pub = $t->flood('cam', '--url', "$base/live", '--name', 'cam', '--duration', 60,
                '--rate', 1);
my $st;
ok(wait_for(sub { $st = $t->status_stream('live', 'cam') }, 10), 'a publisher is live');
my $owner = $st->{publisher}{worker_pid};
my $reaped = $t->json('/vstream/status')->{totals}{reaped};

# the worker holding it dies, and its pid goes to a stranger at once
$t->expect_log(qr/worker process $owner exited on signal 9/);
kill 'KILL', $owner;
ok(wait_for(sub { !grep { $_ == $owner } $t->worker_pids }, 5), 'its worker is killed');
# the master forks a new worker: let it do so first, or the new worker may
# take the pid this test means to give to a stranger (a stranger all the
# same, with another start time, but then its new records carry the pid)
wait_for(sub { my @w = $t->worker_pids; @w == 2 }, 10);
# another process of the host may fork between the write to ns_last_pid and
# ours, and get the pid: a stranger all the same, only not ours to kill
my $stranger = $t->take_pid($owner);
ok($stranger || kill(0, $owner), "the dead worker's pid $owner now belongs to another process"
                                 . ($stranger ? '' : ' (not of this test)'))
    or BAIL_OUT('could not take the pid: the test would prove nothing');
ok(kill(0, $owner), 'which is alive');

ok(wait_for(sub { !$t->status_stream('live', 'cam') }, 5),
   'the dead worker\'s record is reaped all the same');
ok($t->json('/vstream/status')->{totals}{reaped} > $reaped, 'and counted as reaped');
like($t->error_log, qr/reaped 1 stream\(s\) of worker $owner, which is gone/, 'and logged');

# the name is free: a new publisher gets it, wherever it lands
my ($rc, $sum) = $t->run_flood('again', '--url', "$base/live", '--name', 'cam',
                               '--duration', 2, '--timeout', 5);
ok($rc == 0 && ($sum->{published} // 0) == 1 && ($sum->{refused} // 1) == 0,
   'the name can be published again (not refused as a duplicate)')
    or diag(explain($sum));

kill 'KILL', $stranger if $stranger;
$t->kill_process($pub);

done_testing();
