#!/usr/bin/perl

# One S3 upload at a time in the whole server: the worker with a task in
# flight holds a slot of the zone.  A worker killed in the middle of an
# upload never frees it; the next uploader must see that the holder is
# dead even when its pid now belongs to another process, as the reaper
# does for stream records (pid and start time), or no upload would ever
# happen again.  The receiver accepts and never answers, so the killed
# worker's upload is surely in flight; the test gives the dead worker's
# pid to a process of its own (/proc/sys/kernel/ns_last_pid).

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use IO::Socket::INET;
use Test::More;
use Time::HiRes qw(time sleep);
use VStream::Test qw(wait_for);
use VStream::S3;

plan(skip_all => 'needs root to write /proc/sys/kernel/ns_last_pid')
    unless -w '/proc/sys/kernel/ns_last_pid';

my $t = VStream::Test->new;
my $prefix = $t->prefix;
my $accepts = "$prefix/accepts.txt";

# accepts and never answers (nor reads): an upload stays in flight
my $srv = IO::Socket::INET->new(Listen => 16, LocalAddr => '127.0.0.1',
                                LocalPort => 0, ReuseAddr => 1) or die $!;
my $port = $srv->sockport;
my $hang = fork // die "fork: $!";
if ($hang == 0) {
    my $deadline = time + 90;
    my @held;
    while (time < $deadline) {
        my $c = $srv->accept or next;
        push @held, $c;
        open my $fh, '>>', $accepts or die;
        printf $fh "%.3f accept\n", time;
        close $fh;
    }
    exit 0;
}
close $srv;
push @{ $t->{pids} }, $hang;
sub naccepts { -e $accepts ? scalar(() = $t->read_file($accepts) =~ /accept/g) : 0 }

$t->write_file('conf/s3.credentials',
               "aws_access_key_id = $VStream::S3::KEY_ID\n"
               . "aws_secret_access_key = $VStream::S3::SECRET\n", 0600);
my $rec = "$prefix/rec";
$t->write_conf(VStream::S3::conf(
    app => 'live', path => $rec, workers => 2,
    s3 => "bucket=vstream-rec region=us-east-1 endpoint=http://127.0.0.1:$port "
          . 'credentials=s3.credentials'));

# a recording with one listed segment, as the recorder leaves it
my $dir = "$rec/live/cam/20261201T100000Z";
system('mkdir', '-p', $dir) == 0 or die;
system('chmod', '-R', '0777', "$rec/live") == 0 or die;
$t->write_file("rec/live/cam/20261201T100000Z/cam-0.ts", 'x' x 1880);
$t->write_file("rec/live/cam/20261201T100000Z/index.m3u8",
               "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
               . "#EXT-X-PLAYLIST-TYPE:EVENT\n#EXTINF:2.0,\ncam-0.ts\n");
$t->write_file("rec/live/cam/20261201T100000Z/info",
               "started_at 1796112000\nsegments 1\nbytes 1880\n"
               . "duration_ms 2000\ncomplete 0\n");

$t->run;

ok(wait_for(sub { naccepts() >= 1 }, 20), 'an upload is in flight (the receiver never answers)');
my ($uploader) = $t->error_log =~ /(\d+)#\d+: vstream: the S3 uploader runs in this worker/;
ok($uploader && grep({ $_ == $uploader } $t->worker_pids), "the uploader is worker $uploader");

# The uploader is stopped (SIGSTOP) in the middle of its upload, so that
# it cannot give up on it, and nginx reloads: the new worker 0 finds the
# slot held by a live worker and waits.  Then the old one is killed (no
# respawn: it is of the old generation) and its pid goes to a stranger at
# once; the new worker 0 looks again every second.
kill 'STOP', $uploader;
$t->reload;
my @up;
ok(wait_for(sub {
    @up = $t->error_log =~ /(\d+)#\d+: vstream: the S3 uploader runs in this worker/g;
    @up == 2;
}, 20), "after a reload a new worker is the uploader ($up[-1])");
my $n = naccepts();
sleep 2.5;
is(naccepts(), $n, '... and waits while the old one, alive, holds the upload');

$t->expect_log(qr/worker process $uploader exited on signal 9/);
kill 'KILL', $uploader;
ok(wait_for(sub { !kill(0, $uploader) }, 5), 'the old uploader is killed, its slot still held');
my $stranger = $t->take_pid($uploader);
ok($stranger || kill(0, $uploader),
   "the dead uploader's pid $uploader now belongs to another process"
   . ($stranger ? '' : ' (not of this test)'))
    or BAIL_OUT('could not take the pid: the test would prove nothing');

ok(wait_for(sub { naccepts() > $n }, 20),
   'the new uploader sees the holder is dead and uploads again');

kill 'KILL', $stranger if $stranger;
$t->expect_log(qr/S3 upload of .* failed/);
$t->stop;

done_testing();
