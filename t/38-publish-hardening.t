#!/usr/bin/perl

# Every publish is checked and only what started is counted: a publish
# refused by nginx-rtmp's own "deny publish" after vstream let it through is
# neither counted as accepted nor announced; "vstream off" turns off the
# record, not the checks; a signed key may not be valid for longer than
# vstream_ingest_max_ttl; a name whose key nginx-rtmp would cut is refused as
# too long, not as a bad signature.  Refusals never push accepted publishes'
# webhook events out of the queue: a slow receiver still sees every one.
# A changed vstream_zone size refuses the reload and keeps the live state.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Digest::SHA qw(hmac_sha256);
use IO::Socket::INET;
use JSON::PP;
use MIME::Base64 qw(encode_base64);
use POSIX qw(:sys_wait_h);
use Test::More;
use Time::HiRes qw(time sleep);
use VStream::Test qw(wait_for);


my $t = VStream::Test->new(need => ['flood']);

my $secret = "key-$$-" . time;
$t->write_file('conf/ingest.key', "$secret\n", 0600);

# a webhook receiver that takes $delay s to answer each event, recording it
sub receiver {
    my ($file, $delay) = @_;
    my $srv = IO::Socket::INET->new(Listen => 64, LocalAddr => '127.0.0.1',
                                    LocalPort => 0, ReuseAddr => 1) or die $!;
    my $port = $srv->sockport;
    my $pid = fork // die;
    if ($pid == 0) {
        my $deadline = time + 150;
        while (time < $deadline) {
            my $c = $srv->accept or next;
            local $/ = "\r\n";
            my $len = 0;
            while (my $line = <$c>) {
                $len = $1 if $line =~ /^Content-Length:\s*(\d+)/i;
                last if $line eq "\r\n";
            }
            my $body = q{};
            read $c, $body, $len;
            sleep $delay;
            open my $fh, '>>', $file;
            print $fh "$body\n";
            close $fh;
            print $c "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
            close $c;
        }
        exit 0;
    }
    close $srv;
    push @{ $t->{pids} }, $pid;
    return $port;
}

my $events = $t->prefix . '/events.jsonl';
my $hook = receiver($events, 0.3);

my $conf = <<"END";
%%PREAMBLE(connections=1024)%%
vstream_zone 1m;

rtmp {
    server {
        listen 127.0.0.1:%%PORT_RTMP%%;
        application live {
            live on;
            vstream_webhook http://127.0.0.1:$hook/hooks;
        }
        application closed {
            live on;
            deny publish all;
            vstream_webhook http://127.0.0.1:$hook/hooks;
        }
        application elsewhere {
            live on;
            vstream_ingest_allow 10.255.255.0/24;
            vstream_webhook http://127.0.0.1:$hook/hooks;
        }
        application quiet {
            live on;
            vstream off;
            vstream_ingest_allow 10.255.255.0/24;
        }
        application keyed {
            live on;
            vstream_ingest_secret_file ingest.key;
        }
        application week {
            live on;
            vstream_ingest_secret_file ingest.key;
            vstream_ingest_max_ttl 7d;
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
$t->write_conf($conf);

{
    (my $c = $t->read_file('conf/nginx.conf')) =~ s/vstream_ingest_max_ttl 7d/vstream_ingest_max_ttl 0/;
    my ($ok, $out) = $t->test_config($t->write_file('conf/bad.conf', $c));
    ok(!$ok, 'nginx -t refuses vstream_ingest_max_ttl 0');
    like($out, qr/"vstream_ingest_max_ttl" must be at least 1s/, 'saying why');
}

$t->run;
my $base = 'rtmp://127.0.0.1:' . $t->port('rtmp');

sub app_counts {
    my ($app) = @_;
    my ($a) = grep { $_->{app} eq $app } @{ $t->json('/vstream/status')->{apps} || [] };
    return $a || {};
}

sub denied { app_counts($_[0])->{publish_denied}{$_[1]} || 0 }

sub key {
    my ($app, $name, $exp) = @_;
    my $s = encode_base64(hmac_sha256("$app/$name:$exp", $secret), '');
    $s =~ tr{+/}{-_};
    $s =~ s/=+$//;
    return "exp=$exp&sig=$s";
}

# 1. nginx-rtmp's own deny after ours: not accepted, not announced

my ($status, $sum) = $t->run_flood('closed', '--url', "$base/closed", '--streams', 2,
                               '--duration', 2);
is($sum->{refused}, 2, 'nginx-rtmp refuses both publishes to "deny publish all"');
is(app_counts('closed')->{publish_accepted} || 0, 0,
   'they are not counted as accepted');
is(denied('closed', 'rtmp'), 2, 'but as refused, with reason rtmp');
like($t->error_log, qr/publish refused: client 127\.0\.0\.1, app "closed", stream "s1", reason rtmp/,
     'and logged with the reason');

# 2. "vstream off" keeps the address check

($status, $sum) = $t->run_flood('quiet', '--url', "$base/quiet", '--streams', 1,
                            '--duration', 2);
is($sum->{refused}, 1, 'an application with "vstream off" still checks addresses');
is(denied('quiet', 'cidr'), 1, 'counted as cidr');

# 3. the longest key: vstream_ingest_max_ttl

my $now = time;
($status, $sum) = $t->run_flood('far', '--url', "$base/keyed", '--name', 'far',
                            '--args', key('keyed', 'far', int($now) + 2 * 86400),
                            '--duration', 1);
is($sum->{refused}, 1, 'a key valid for two days is refused by default (a day)');
is(denied('keyed', 'exp_too_far'), 1, 'with reason exp_too_far');
($status, $sum) = $t->run_flood('year5138', '--url', "$base/keyed", '--name', 'y',
                            '--args', key('keyed', 'y', 99999999999), '--duration', 1);
is($sum->{refused}, 1, 'a key valid until the year 5138 is refused');
is(denied('keyed', 'exp_too_far'), 2, 'also exp_too_far');
is(denied('keyed', 'signature'), 0, 'neither is a bad signature');
($status, $sum) = $t->run_flood('week', '--url', "$base/week", '--name', 'w',
                            '--args', key('week', 'w', int($now) + 2 * 86400),
                            '--duration', 1, '--timeout', 5);
is($sum->{ok}, 1, 'vstream_ingest_max_ttl 7d accepts a key valid for two days');
($status, $sum) = $t->run_flood('hour', '--url', "$base/keyed", '--name', 'h',
                            '--args', key('keyed', 'h', int($now) + 3600),
                            '--duration', 1);
is($sum->{ok}, 1, 'a key valid for an hour is accepted');

# 4. names too long to carry a key: nginx-rtmp cuts "NAME?ARGS" at 255 bytes

my $exp = int($now) + 3600;
my $longest = 'n' x (254 - 1 - length(key('keyed', 'x', $exp)));
is(length $longest, 191, 'the longest name that carries a key with a 10-digit exp is 191 bytes');
($status, $sum) = $t->run_flood('longest', '--url', "$base/keyed", '--name', $longest,
                            '--args', key('keyed', $longest, $exp), '--duration', 1);
is($sum->{ok}, 1, 'a 191-byte name with its key is accepted');
my $long = 'n' x 200;   # nginx-rtmp cuts its key short
($status, $sum) = $t->run_flood('long', '--url', "$base/keyed", '--name', $long,
                            '--args', key('keyed', $long, $exp), '--duration', 1);
is($sum->{refused}, 1, 'a 200-byte name with its key is refused');
is(denied('keyed', 'name_too_long'), 1, 'with reason name_too_long, not signature');
is(denied('keyed', 'signature'), 0, 'no signature refusal was counted');
($status, $sum) = $t->run_flood('long-open', '--url', "$base/live", '--name', 'm' x 300,
                            '--duration', 1);
is($sum->{refused}, 1, 'a 300-byte name is refused without a key too');
is(denied('live', 'name_too_long'), 1, 'as name_too_long');
($status, $sum) = $t->run_flood('254', '--url', "$base/live", '--name', 'm' x 254,
                            '--duration', 1, '--timeout', 5);
is($sum->{ok}, 1, 'a 254-byte name without a key is accepted');

# 5. refusals never push out accepted events; a slow receiver sees them all

unlink $events;
my $legit = $t->flood('legit', '--url', "$base/live", '--streams', 3, '--name-prefix', 'real',
                  '--duration', 6, '--timeout', 5);
ok(wait_for(sub { (grep { $_->{app} eq 'live' } @{ $t->json('/vstream/status')->{streams} }) == 3 }, 10),
   'three real publishers are live');
my $noise = $t->flood('noise', '--url', "$base/elsewhere", '--streams', 300,
                  '--connect-rate', 0, '--duration', 1, '--timeout', 20);
$t->flood_finish('noise', $noise, 40);
is(denied('elsewhere', 'cidr'), 300, '300 refused publishes from outside the allowed network');
($status, $sum) = $t->flood_finish('legit', $legit, 20);
is($sum->{ok}, 3, 'the real publishers ran to their end');

my @ev;
wait_for(sub {
    @ev = map { decode_json($_) } grep { length } split /\n/, ($t->read_file($events) // '');
    (grep { $_->{event} eq 'publish_done' && $_->{stream} =~ /^real/ } @ev) >= 3;
}, 40);
my %seen;
$seen{"$_->{event} $_->{stream}"}++
    for grep { $_->{event} ne 'publish_denied' && $_->{stream} =~ /^real/ } @ev;
is_deeply(\%seen, { map { ("publish real$_" => 1, "publish_done real$_" => 1) } 1 .. 3 },
          'the slow receiver got every publish and publish_done of the real streams');
my @denials = grep { $_->{event} eq 'publish_denied' } @ev;
my $count = 0;
$count += $_->{count} for @denials;
my $dropped = $t->json('/vstream/status')->{webhooks}{dropped};
ok(wait_for(sub {
    @ev = map { decode_json($_) } grep { length } split /\n/, ($t->read_file($events) // '');
    @denials = grep { $_->{event} eq 'publish_denied' } @ev;
    $count = 0;
    $count += $_->{count} for @denials;
    $count + $dropped >= 300;
}, 20), "the refusals arrived coalesced: $count in " . scalar(@denials) . " events, $dropped dropped");
ok(@denials < 20, 'in a handful of events');
is($dropped, 0, 'none dropped');
is($denials[0]{reason}, 'cidr', 'each with its reason');

# 6. a changed zone size refuses the reload and keeps the state

my $held = $t->flood('held', '--url', "$base/live", '--name', 'held', '--duration', 30,
                 '--timeout', 5);
ok(wait_for(sub { $t->status_stream('live', 'held') }, 10), 'a publisher is live');
my $accepted = $t->json('/vstream/status')->{totals}{publish_accepted};
(my $bigger = $conf) =~ s/vstream_zone 1m;/vstream_zone 2m;/;
$t->write_conf($bigger);
$t->expect_log(qr/"vstream_zone" cannot change from 1048576 to 2097152 on reload/);
$t->reload;
ok(wait_for(sub { $t->error_log =~ /"vstream_zone" cannot change from 1048576 to 2097152 on reload/ }, 10),
   'a reload with another vstream_zone size is refused, naming both sizes');
sleep 1;
ok($t->status_stream('live', 'held'), 'the live stream is still listed');
is($t->json('/vstream/status')->{totals}{publish_accepted}, $accepted,
   'and the totals are those of before');
($status, $sum) = $t->run_flood('dup', '--url', "$base/live", '--name', 'held', '--duration', 1);
is($sum->{refused}, 1, 'a second publisher of the live name is still refused');
is(denied('live', 'duplicate'), 1, 'as a duplicate');
$t->kill_process($held);

done_testing();
