#!/usr/bin/perl

# Webhooks: a receiver on loopback sees publish, publish_denied and
# publish_done in order, each signed; a receiver that hangs costs the stream
# nothing (the event loop never waits) and failures are counted; nginx
# stops promptly with deliveries pending.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Digest::SHA qw(hmac_sha256_hex);
use IO::Socket::INET;
use JSON::PP;
use Test::More;
use Time::HiRes qw(time sleep);
use VStream::Test qw(wait_for);

my $t = VStream::Test->new(need => [qw(ffmpeg)]);

my $secret = "hook-$$";
$t->write_file('conf/hook.key', "$secret\n", 0600);

# mode "ok" answers 204 and records each request; "hang" accepts and never answers
sub receiver {
    my ($mode, $file) = @_;
    my $srv = IO::Socket::INET->new(Listen => 16, LocalAddr => '127.0.0.1',
                                    LocalPort => 0, ReuseAddr => 1) or die $!;
    my $port = $srv->sockport;
    my $pid = fork // die;
    if ($pid == 0) {
        my $deadline = time + 120;
        my @held;
        while (time < $deadline) {
            my $c = $srv->accept or next;
            if ($mode eq 'hang') { push @held, $c; next }
            local $/ = "\r\n";
            my ($len, $sig, $req) = (0, '', '');
            while (my $line = <$c>) {
                $req .= $line;
                $len = $1 if $line =~ /^Content-Length:\s*(\d+)/i;
                $sig = $1 if $line =~ /^X-Vstream-Signature:\s*(\S+)/i;
                last if $line eq "\r\n";
            }
            my $body = q{};
            read $c, $body, $len;
            open my $fh, '>>', $file;
            print $fh encode_json({ sig => $sig, body => $body }), "\n";
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
my $ok_port = receiver('ok', $events);
my $hang_port = receiver('hang', '/dev/null');

$t->write_conf(<<"END");
%%PREAMBLE%%

rtmp {
    server {
        listen 127.0.0.1:%%PORT_RTMP%%;
        application live {
            live on;
            vstream_webhook http://127.0.0.1:$ok_port/hooks;
            vstream_webhook_secret_file hook.key;
        }
        application slow {
            live on;
            vstream_ingest_allow 10.255.255.0/24;
            vstream_webhook http://127.0.0.1:$hang_port/hooks;
        }
        application open {
            live on;
            vstream_webhook http://127.0.0.1:$hang_port/hooks;
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

{
    my $conf = $t->read_file('conf/nginx.conf');
    $conf =~ s{vstream_webhook http://127\.0\.0\.1:$ok_port/hooks}{vstream_webhook ftp://example.invalid/};
    my $bad = $t->write_file('conf/bad.conf', $conf);
    my (undef, $out) = $t->test_config($bad);
    like($out, qr/invalid URL "ftp:[^"]*" in "vstream_webhook"/, 'nginx -t refuses a non-HTTP webhook URL');
}

{
    my $conf = $t->read_file('conf/nginx.conf');
    $conf =~ s{(vstream_webhook http://127\.0\.0\.1:$ok_port/hooks;)}{$1 vstream_webhook_thread_pool nosuch;};
    my $bad = $t->write_file('conf/bad.conf', $conf);
    my (undef, $out) = $t->test_config($bad);
    like($out, qr/unknown thread pool "nosuch"/, 'nginx -t refuses a thread pool that does not exist');
}

$t->run;
my $rtmp = $t->port('rtmp');

my $pub = $t->publish("rtmp://127.0.0.1:$rtmp/live/cam1");
ok(wait_for(sub { $t->status_stream('live', 'cam1') }, 15), 'publisher live');
my $bad = $t->publish("rtmp://127.0.0.1:$rtmp/live/..", duration => 10);
wait_for(sub { $t->exited($bad) }, 10);
$t->kill_process($pub);

my @ev;
wait_for(sub {
    @ev = map { decode_json($_) } split /\n/, $t->read_file($events);
    @ev >= 3;
}, 15);
my @bodies = map { decode_json($_->{body}) } @ev;
is_deeply([map { $_->{event} } @bodies], [qw(publish publish_denied publish_done)],
          'the receiver sees publish, publish_denied, publish_done in order');
is($bodies[0]{app}, 'live', 'with the app');
is($bodies[0]{stream}, 'cam1', 'the stream');
is($bodies[0]{addr}, '127.0.0.1', 'the address');
like($bodies[0]{at}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'and the time');
is($bodies[1]{reason}, 'bad_name', 'denials carry the reason');
my $all_signed = !grep { $_->{sig} ne 'sha256=' . hmac_sha256_hex($_->{body}, $secret) } @ev;
ok($all_signed, 'every event is signed with HMAC-SHA256 of its body');
unlike($t->read_file($events), qr/\Q$secret\E/, 'the secret is never sent');
ok(wait_for(sub { $t->json('/vstream/status')->{webhooks}{delivered} >= 3 }, 5),
   'deliveries are counted');

# a receiver that hangs: the publisher keeps its full rate
my $slow = $t->publish("rtmp://127.0.0.1:$rtmp/open/cam2");
ok(wait_for(sub { $t->status_stream('open', 'cam2') }, 15), 'publisher live with a hanging receiver');
for (1 .. 5) {   # denials queue more events behind the hanging one
    my $p = $t->publish("rtmp://127.0.0.1:$rtmp/slow/x$_", duration => 5);
    wait_for(sub { $t->exited($p) }, 10);
}
my $t0 = time;
my $status = $t->json('/vstream/status');
ok(time - $t0 < 1.5, 'the admin API answers at once while deliveries hang (each waits up to 5 s)');
sleep 3;
my $s = $t->status_stream('open', 'cam2');
my $kbps = $s->{bitrate_in_bps} / 1000;
ok($kbps > 150, "the stream keeps its rate ($kbps kbps)");
ok(wait_for(sub { $t->json('/vstream/status')->{webhooks}{failed} >= 1 }, 25),
   'a delivery that timed out is counted as failed');
like($t->error_log, qr/webhook "publish" to http:\/\/127\.0\.0\.1:$hang_port\/hooks failed after 3 tries/,
     'and logged with the URL and the tries');

# stopping with deliveries pending is prompt (a live RTMP publisher would
# hold a gracefully stopping worker: that is nginx-rtmp's rule, not ours)
$t->kill_process($slow);
$t->publish("rtmp://127.0.0.1:$rtmp/slow/y", duration => 2) for 1 .. 3;
sleep 0.5;
$t0 = time;
$t->stop;
my $took = time - $t0;
ok($took < 4, sprintf('nginx stops in %.1f s with deliveries pending', $took));

done_testing();
