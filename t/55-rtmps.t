#!/usr/bin/perl

# RTMPS: nginx's stream module terminates TLS and passes the client's
# address in a PROXY protocol (v1) header to an nginx-rtmp listener on
# loopback (listen ... proxy_protocol).  The CIDR check, the denial ring,
# the log, status and webhooks see the publisher's own address (IPv4 and
# IPv6), never 127.0.0.1; the plain listener stays; the proxied listener refuses a
# connection without a PROXY header; only TLS 1.2 and 1.3 are spoken; a
# plain RTMP client on the TLS port fails cleanly.
#
# A control listener forwards TLS without the PROXY header: through it the
# same publisher is seen as 127.0.0.1 and refused (cidr), which is what the
# header is for.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use IO::Socket::INET;
use JSON::PP;
use Test::More;
use VStream::Test qw(wait_for);

my $t = VStream::Test->new(need => [qw(ffmpeg netns stream openssl)]);
my $ctl = VStream::Test::top() . '/build/vstreamctl';
plan(skip_all => "vstreamctl not built; run 'make vstreamctl'") unless -x $ctl;

my $inside = $t->netns('in', 105);
my $outside = $t->netns('out', 106);
my $prefix = $t->prefix;

$t->write_file('conf/ingest.key', "rtmps-$$-" . time . "\n", 0600);
my $req_cmd = 'openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1'
    . " -nodes -days 1 -subj /CN=localhost -keyout $prefix/conf/rtmps.key"
    . " -out $prefix/conf/rtmps.crt 2>&1";
my $req = `$req_cmd`;
die "openssl req failed: $req" if $?;

# webhook receiver: one JSON body a line
my $events = "$prefix/events.jsonl";
my $hook = $t->webhook_receiver($events);

$t->write_conf(<<"END");
%%PREAMBLE(modules=all+stream)%%

vstream_zone 1m;

stream {
    ssl_certificate rtmps.crt;
    ssl_certificate_key rtmps.key;
    ssl_protocols TLSv1.2 TLSv1.3;

    server {
        listen %%PORT_RTMPS%% ssl;
        listen [::]:%%PORT_RTMPS%% ssl;
        proxy_pass 127.0.0.1:%%PORT_BACKEND%%;
        proxy_protocol on;
    }

    # the control: the same TLS, no PROXY header
    server {
        listen %%PORT_NOPP%% ssl;
        proxy_pass 127.0.0.1:%%PORT_RTMP%%;
    }
}

rtmp {
    server {
        listen %%PORT_RTMP%%;
        listen 127.0.0.1:%%PORT_BACKEND%% proxy_protocol;

        application live {
            live on;
            vstream_ingest_allow $inside->{cidr} $inside->{cidr6};
            vstream_ingest_secret_file ingest.key;
            vstream_webhook http://127.0.0.1:$hook/hooks;
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

my %port = map { $_ => $t->port($_) } qw(rtmps nopp backend rtmp);

sub key {
    my ($name) = @_;
    my $k = `$ctl sign --secret-file $prefix/conf/ingest.key live/$name --ttl 600`;
    chomp $k;
    $k =~ s{^live/}{} or die "vstreamctl sign: $k";
    return $k;
}

# publish(URL, ns => NS): 'live' once the stream is in status, else 'gone'
# once ffmpeg has exited
sub publish_result {
    my ($url, $name, %opt) = @_;
    my $pid = $t->publish($url, %opt, duration => 30);
    my $r = wait_for(sub {
        return 'live' if $t->status_stream('live', $name);
        return 'gone' if $t->exited($pid);
        return undef;
    }, 20) // 'timeout';
    return ($r, $pid);
}

sub denial {
    my ($name) = @_;
    for my $d (@{ $t->json('/vstream/status')->{denied} }) {
        return $d if ($d->{stream} // '') eq $name;
    }
    return {};
}

sub hook_events {
    my ($event, $name) = @_;
    return grep { $_->{event} eq $event && ($_->{stream} // '') eq $name }
        map { decode_json($_) } grep { length } split /\n/, $t->read_file($events);
}

# --- allowed by CIDR and key, over TLS
my ($r, $cam) = publish_result(
    "rtmps://$inside->{gateway}:$port{rtmps}/live/" . key('cam1'), 'cam1',
    ns => $inside);
is($r, 'live', 'rtmps:// from inside the CIDR with a signed key is live');
my $st = $t->status_stream('live', 'cam1') || {};
is($st->{publisher}{addr}, $inside->{addr},
   'status shows the publisher\'s own address');
like($t->error_log,
     qr/publish accepted: client \Q$inside->{addr}\E, app "live", stream "cam1"/,
     'the log names it');
ok(wait_for(sub { hook_events('publish', 'cam1') }, 10), 'a publish webhook');
is(((hook_events('publish', 'cam1'))[0] || {})->{addr}, $inside->{addr},
   'with the publisher\'s address');

# --- IPv6: the PROXY header says TCP6
($r, my $cam6) = publish_result(
    "rtmps://[$inside->{gateway6}]:$port{rtmps}/live/" . key('cam16'), 'cam16',
    ns => $inside);
is($r, 'live', 'rtmps:// over IPv6 from inside is live');
is(($t->status_stream('live', 'cam16') || {})->{publisher}{addr},
   $inside->{addr6}, 'with the publisher\'s IPv6 address');
$t->kill_process($cam6);

# --- a signed key from outside the CIDR
($r) = publish_result(
    "rtmps://$outside->{gateway}:$port{rtmps}/live/" . key('cam2'), 'cam2',
    ns => $outside);
is($r, 'gone', 'rtmps:// from outside the CIDR is refused');
is(denial('cam2')->{reason}, 'cidr', 'reason cidr');
is(denial('cam2')->{addr}, $outside->{addr},
   'the denial ring holds the namespace\'s address');
like($t->error_log,
     qr/publish refused: client \Q$outside->{addr}\E, app "live", stream "cam2", reason cidr/,
     'so does the log');
ok(wait_for(sub { hook_events('publish_denied', 'cam2') }, 10),
   'a publish_denied webhook');
is(((hook_events('publish_denied', 'cam2'))[0] || {})->{addr}, $outside->{addr},
   'with the namespace\'s address');

# --- inside, over TLS, without a key: the key check still applies
($r) = publish_result("rtmps://$inside->{gateway}:$port{rtmps}/live/cam3",
                      'cam3', ns => $inside);
is($r, 'gone', 'rtmps:// inside the CIDR without a key is refused');
is(denial('cam3')->{reason}, 'signature', 'reason signature');
is(denial('cam3')->{addr}, $inside->{addr}, 'with the publisher\'s address');

# --- the control: TLS forwarded without PROXY header, seen as loopback
($r) = publish_result(
    "rtmps://$inside->{gateway}:$port{nopp}/live/" . key('cam4'), 'cam4',
    ns => $inside);
is($r, 'gone', 'control: without the PROXY header the publisher is refused');
is(denial('cam4')->{addr}, '127.0.0.1',
   'control: and seen as 127.0.0.1 (what the header fixes)');

# --- the plain listener stays
($r, my $plain) = publish_result(
    "rtmp://$inside->{gateway}:$port{rtmp}/live/" . key('cam5'), 'cam5',
    ns => $inside);
is($r, 'live', 'plain rtmp:// from inside still publishes');
is(($t->status_stream('live', 'cam5') || {})->{publisher}{addr},
   $inside->{addr}, 'with its address');

# --- the proxied listener without a PROXY header: refused
{
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => $port{backend}, Timeout => 5)
        or die "connect: $!";
    # C0 (version 3) and C1 (time, zero, 1528 bytes)
    print $s "\x03" . ("\0" x 8) . ('x' x 1528);
    $s->recv(my $buf, 4096);
    is(length($buf // ''), 0,
       'the proxied listener answers an RTMP handshake without PROXY '
       . 'header with nothing but a close');
    close $s;
}
like($t->error_log, qr/\[info\].*proxy_protocol: bad header/,
     'and logs it at info');
($r) = publish_result("rtmp://127.0.0.1:$port{backend}/live/" . key('cam6'),
                      'cam6');
is($r, 'gone', 'ffmpeg straight to the proxied listener fails');
is(denial('cam6')->{reason}, undef, 'without ever reaching the publish check');

# --- TLS versions
sub s_client {
    my ($port, @opt) = @_;
    my $out = `echo | timeout 10 openssl s_client -connect 127.0.0.1:$port @opt 2>&1`;
    return ($? == 0, $out);
}
for my $v (qw(1.2 1.3)) {
    (my $opt = "-tls$v") =~ tr/./_/;
    my ($ok, $out) = s_client($port{rtmps}, $opt);
    ok($ok && $out =~ /^New, TLSv\Q$v\E, Cipher is /m, "TLS $v handshake succeeds");
}
for my $v (qw(tls1 tls1_1)) {
    # SECLEVEL=0 lets OpenSSL 3's client offer the old protocol at all
    my ($ok, $out) = s_client($port{rtmps}, "-$v", '-cipher', 'DEFAULT@SECLEVEL=0');
    like($out, qr/alert protocol version/, "-$v is refused (protocol_version alert)");
}

# --- a plain RTMP client on the TLS port
($r) = publish_result("rtmp://127.0.0.1:$port{rtmps}/live/" . key('cam7'),
                      'cam7');
is($r, 'gone', 'plain rtmp:// on the TLS port fails');
my @tls_errors = grep { /SSL_do_handshake/ } split /\n/, $t->error_log;
ok(@tls_errors, 'the failed handshake is logged');
is_deeply([grep { !/\[info\]/ } @tls_errors], [],
          'at info, not error');
ok(!$t->exited($cam) && $t->status_stream('live', 'cam1'),
   'the live RTMPS publisher is unaffected');

# nothing the module reports is loopback, except the control
my $doc = $t->json('/vstream/status');
is_deeply([map { $_->{stream} } grep { $_->{addr} eq '127.0.0.1' }
           @{ $doc->{denied} }], ['cam4'],
          'no denial but the control\'s is from 127.0.0.1');
is_deeply([grep { $_->{publisher}{addr} eq '127.0.0.1' } @{ $doc->{streams} }],
          [], 'no live publisher is 127.0.0.1');

$t->kill_process($_) for $cam, $plain;

done_testing();
