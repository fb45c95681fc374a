#!/usr/bin/perl

# Signed publish keys: ?exp=UNIX&sig=SIG with SIG = base64url(HMAC-SHA256(
# secret, "APP/STREAM:EXP")).  Unsigned, wrong, expired, reused for another
# name: refused with the right reason.  Valid keys made three ways (Perl,
# openssl dgst, vstreamctl sign) are accepted.  The address check comes
# first and both must pass.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Digest::SHA qw(hmac_sha256);
use MIME::Base64 qw(encode_base64);
use Test::More;
use VStream::Test qw(wait_for);

my $t = VStream::Test->new(need => [qw(ffmpeg netns openssl)]);

my $secret = "key-$$-" . time;
$t->write_file('conf/ingest.key', "$secret\n", 0600);
my $inside = $t->netns('k', 35);

$t->write_conf(<<"END");
%%PREAMBLE%%

rtmp {
    server {
        listen %%PORT_RTMP%%;
        application live {
            live on;
            vstream_ingest_secret_file ingest.key;
        }
        application private {
            live on;
            vstream_ingest_allow $inside->{cidr};
            vstream_ingest_secret_file ingest.key;
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

# a world-readable secret fails nginx -t, without revealing it
{
    my $conf = $t->read_file('conf/nginx.conf');
    $conf =~ s/ingest\.key/open.key/g;
    $t->write_file('conf/open.key', "$secret\n", 0644);
    my $bad = $t->write_file('conf/bad.conf', $conf);
    my ($ok, $out) = $t->test_config($bad);
    ok(!$ok, 'nginx -t refuses a secret file readable by others');
    like($out, qr/open\.key.*accessible by group or others.*vstream_ingest_secret_file|vstream_ingest_secret_file/s,
         'naming the file and the directive');
    unlike($out, qr/\Q$secret\E/, 'without printing the secret');
}

$t->run;
my $rtmp = $t->port('rtmp');

sub sig_perl {
    my ($app, $name, $exp) = @_;
    my $s = encode_base64(hmac_sha256("$app/$name:$exp", $secret), '');
    $s =~ tr{+/}{-_};
    $s =~ s/=+$//;
    return $s;
}

sub sig_openssl {
    my ($app, $name, $exp) = @_;
    my $key = $t->prefix . '/conf/ingest.key';
    my $s = `printf '%s' '$app/$name:$exp' | openssl dgst -sha256 -mac HMAC -macopt key:$secret -binary | openssl base64 -A`;
    $s =~ tr{+/}{-_};
    $s =~ s/=+$//;
    return $s;
}

sub publish_ok {
    my ($app, $name, $args, %opt) = @_;
    my $host = $opt{ns} ? $opt{ns}{gateway} : '127.0.0.1';
    my $pid = $t->publish("rtmp://$host:$rtmp/$app/$name" . ($args ? "?$args" : ''),
                          %opt, duration => 20);
    my $live = wait_for(sub { $t->status_stream($app, $name) || $t->exited($pid) }, 15);
    my $ok = ref $live ? 1 : 0;
    $t->kill_process($pid);
    wait_for(sub { !$t->status_stream($app, $name) }, 5);
    return $ok;
}

sub last_denial {
    my $d = $t->json('/vstream/status')->{denied}[0];
    return $d ? $d->{reason} : '';
}

my $exp = time + 600;

ok(!publish_ok('live', 'cam1', ''), 'unsigned: refused');
is(last_denial(), 'signature', '... reason signature');

ok(!publish_ok('live', 'cam1', "exp=$exp&sig=AAAA"), 'wrong signature: refused');
is(last_denial(), 'signature', '... reason signature');

my $past = time - 10;
ok(!publish_ok('live', 'cam1', "exp=$past&sig=" . sig_perl('live', 'cam1', $past)),
   'expired: refused');
is(last_denial(), 'expired', '... reason expired');

ok(!publish_ok('live', 'cam2', "exp=$exp&sig=" . sig_perl('live', 'cam1', $exp)),
   "another stream's key: refused");
is(last_denial(), 'signature', '... reason signature');

ok(!publish_ok('private', 'cam1', "exp=$exp&sig=" . sig_perl('live', 'cam1', $exp),
               ns => $inside),
   "another application's key: refused");

ok(publish_ok('live', 'cam1', "exp=$exp&sig=" . sig_perl('live', 'cam1', $exp)),
   'valid key (Perl HMAC): accepted');

is(sig_openssl('live', 'cam1', $exp), sig_perl('live', 'cam1', $exp),
   'openssl dgst computes the same signature');
ok(publish_ok('live', 'cam3', "exp=$exp&sig=" . sig_openssl('live', 'cam3', $exp)),
   'valid key (openssl dgst): accepted');

SKIP: {
    my $ctl = VStream::Test::top() . '/build/vstreamctl';
    skip 'vstreamctl not built', 2 unless -x $ctl;
    my $url = `$ctl sign --secret-file @{[$t->prefix]}/conf/ingest.key live/cam4 --ttl 300 --base rtmp://127.0.0.1:$rtmp/live`;
    chomp $url;
    like($url, qr{^rtmp://127\.0\.0\.1:$rtmp/live/cam4\?exp=\d+&sig=[A-Za-z0-9_-]{43}$},
         'vstreamctl sign prints a signed URL');
    my ($args) = $url =~ /\?(.*)$/;
    ok(publish_ok('live', 'cam4', $args), 'valid key (vstreamctl sign): accepted');
}

# both checks: the address first, then the key
ok(!publish_ok('private', 'cam1', "exp=$exp&sig=" . sig_perl('private', 'cam1', $exp)),
   'a valid key from outside the CIDR: refused');
is(last_denial(), 'cidr', '... reason cidr (the address is checked first)');
ok(!publish_ok('private', 'cam1', '', ns => $inside), 'inside the CIDR without a key: refused');
is(last_denial(), 'signature', '... reason signature');
ok(publish_ok('private', 'cam1', "exp=$exp&sig=" . sig_perl('private', 'cam1', $exp),
              ns => $inside),
   'inside the CIDR with a valid key: accepted');

# hostile names never become records
ok(!publish_ok('live', '..', "exp=$exp&sig=" . sig_perl('live', '..', $exp)),
   'a name of ".." is refused');
is(last_denial(), 'bad_name', '... reason bad_name');

my $log = $t->error_log;
unlike($log, qr/\Q$secret\E/, 'the secret never appears in the log');
unlike($t->get('/vstream/status')->{content}, qr/\Q$secret\E/, 'nor in status');

done_testing();
