#!/usr/bin/perl

# Key rotation: vstream_ingest_secret_file holds "KID SECRET" lines; a key
# signed with a kid carries kid=KID and SIG = base64url(HMAC-SHA256(that
# key's secret, "APP/STREAM:EXP:KID")).  Any listed key verifies.  A reload
# with a new list keeps the live publishers and refuses a removed key with
# unknown_kid.  Bad files fail nginx -t naming the file, the line and why;
# bad keys (unknown kid, a malformed kid, exp/kid/sig twice, a key past
# nginx-rtmp's 255 bytes) are refused each with its reason: counted by
# reason, logged, in the ring, in the metrics and as publish_denied events.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Digest::SHA qw(hmac_sha256);
use MIME::Base64 qw(encode_base64);
use Test::More;
use VStream::Test qw(wait_for);
use VStream::Hook;

my $t = VStream::Test->new(need => ['flood']);
my $hook = VStream::Hook->new($t);

my %secret = map { ($_ => "secret-$_-$$-" . time) } qw(k1 k2 k3);
sub keyfile { join '', map { "$_ $secret{$_}\n" } @_ }

$t->write_file('conf/keys', keyfile(qw(k1 k2)), 0600);

my $conf = <<"END";
%%PREAMBLE(workers=2)%%

rtmp {
    server {
        listen 127.0.0.1:%%PORT_RTMP%%;
        application live {
            live on;
            vstream_ingest_secret_file keys;
            vstream_webhook http://127.0.0.1:$hook->{port}/hooks;
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

# ---- bad files fail nginx -t: the file, the line, why; never the secret ----

my @bad = (
    ["k1 s-one\nbad!kid s-two\n", 2, qr/invalid key id/, 'a key id with a "!"'],
    ["k123456789 s-one\nk2 s-two\n", 1, qr/invalid key id/, 'a key id of 10 characters'],
    ["k1 s-one\nk1 s-two\n", 2, qr/duplicate key id/, 'a key id twice'],
    ["k1 s-one\n\nlonely-secret\n", 3, qr/expected "KID SECRET"/, 'a line without a key id'],
);
for my $case (@bad) {
    my ($content, $line, $why, $name) = @$case;
    $t->write_file('conf/bad.keys', $content, 0600);
    (my $c = $t->read_file('conf/nginx.conf')) =~ s/secret_file keys;/secret_file bad.keys;/;
    my ($ok, $out) = $t->test_config($t->write_file('conf/bad.conf', $c));
    ok(!$ok, "nginx -t refuses $name");
    like($out, qr/secret file "[^"]*bad\.keys", line $line: $why/, "... naming the file, line $line and why");
    like($out, qr/vstream_ingest_secret_file/, '... and the directive');
    unlike($out, qr/s-one|s-two|lonely-secret/, '... never what the line holds');
}
for my $good (["bare-secret-value\n", 'a file of one bare secret'],
              ["weird secret with spaces\n", 'one line whose first word is no key id (bare, as before)'],
              ["k1 s-one\n", 'a file of one KID SECRET line'],
              ["\nk1 s-one\r\n  k2\ts-two  \n\n", 'blank lines, CRLF, tabs and spaces around keys']) {
    $t->write_file('conf/good.keys', $good->[0], 0600);
    (my $c = $t->read_file('conf/nginx.conf')) =~ s/secret_file keys;/secret_file good.keys;/;
    my ($ok, $out) = $t->test_config($t->write_file('conf/good.conf', $c));
    ok($ok, "nginx -t accepts $good->[1]") or diag($out);
}

$t->run;
my $base = 'rtmp://127.0.0.1:' . $t->port('rtmp') . '/live';

sub b64url {
    (my $s = encode_base64($_[0], '')) =~ tr{+/}{-_};
    $s =~ s/=+$//;
    return $s;
}

# exp=&kid=&sig= signed with $sign's secret (default: the kid's own)
sub key {
    my ($kid, $name, %o) = @_;
    my $exp = $o{exp} // time + 600;
    my $secret = $secret{ $o{sign} // $kid } // 'nothing';
    my $msg = "live/$name:$exp" . (defined $kid && !$o{nokid_msg} ? ":$kid" : '');
    my $sig = b64url(hmac_sha256($msg, $secret));
    return defined $kid ? "exp=$exp&kid=$kid&sig=$sig" : "exp=$exp&sig=$sig";
}

my $tag = 0;
sub try_publish {
    my ($name, $args) = @_;
    my ($status, $sum) = $t->run_flood('p' . $tag++, '--url', $base, '--name', $name,
                                       '--args', $args, '--duration', 1, '--timeout', 10);
    return ($sum->{ok} // 0) == 1 ? 'ok' : ($sum->{refused} // 0) == 1 ? 'refused' : 'failed';
}

sub denied {
    my ($reason) = @_;
    my ($app) = grep { $_->{app} eq 'live' } @{ $t->json('/vstream/status')->{apps} };
    return $app ? $app->{publish_denied}{$reason} // 0 : 0;
}

sub last_reason { ($t->json('/vstream/status')->{denied}[0] // {})->{reason} // '' }

# ---- two keys: each verifies -----------------------------------------------

is(try_publish('cam1', key('k1', 'cam1')), 'ok', 'a key signed with k1 is accepted');
is(try_publish('cam2', key('k2', 'cam2')), 'ok', 'a key signed with k2 is accepted');

# ---- wrong and bad keys, each with its reason -------------------------------

my %want;
my @refusals = (
    ['a kid with the signature of another key (k1 signed with k2)',
     key('k1', 'cam1', sign => 'k2'), 'signature'],
    ['a valid kid with a wrong signature', do { (my $k = key('k1', 'cam1')) =~ s/sig=.*/sig=AAAA/; $k },
     'signature'],
    ['a kid signed over "APP/STREAM:EXP" only', key('k1', 'cam1', nokid_msg => 1), 'signature'],
    ['no kid, and the file has no bare secret', key(undef, 'cam1', sign => 'k1'), 'signature'],
    ['an unknown kid', key('k9', 'cam1', sign => 'k1'), 'unknown_kid'],
    ['a kid with a "!"', 'exp=' . (time + 600) . '&kid=k!&sig=AAAA', 'bad_args'],
    ['an empty kid', 'exp=' . (time + 600) . '&kid=&sig=AAAA', 'bad_args'],
    ['a kid of 9 characters', key('k23456789', 'cam1', sign => 'k1'), 'bad_args'],
    ['exp twice', key('k1', 'cam1') . '&exp=' . (time + 60), 'bad_args'],
    ['kid twice', key('k1', 'cam1') . '&kid=k2', 'bad_args'],
    ['sig twice', key('k1', 'cam1') . '&sig=AAAA', 'bad_args'],
    ['exp twice, the same value', do { my $k = key('k1', 'cam1'); my ($e) = $k =~ /exp=(\d+)/; "$k&exp=$e" },
     'bad_args'],
);
for my $r (@refusals) {
    my ($name, $args, $reason) = @$r;
    my $before = denied($reason);
    is(try_publish('cam1', $args), 'refused', "$name: refused");
    is(denied($reason) - $before, 1, "... counted as $reason");
    is(last_reason(), $reason, '... first in the ring of refusals');
    $want{$reason}++;
}

# a key past nginx-rtmp's 255 bytes of NAME?ARGS: name_too_long covers it
# (nginx-rtmp bounds the whole string, not the arguments alone)
my $long = key('k1', 'cam1') . '&pad=' . ('x' x 200);
ok(length("cam1?$long") > 255, 'a name that fits with arguments that do not');
is(try_publish('cam1', $long), 'refused', 'arguments over the limit: refused');
is(last_reason(), 'name_too_long', '... as name_too_long, not signature');
$want{name_too_long}++;

my $log = $t->error_log;
for my $reason (qw(unknown_kid bad_args)) {
    like($log, qr/\[warn\][^\n]*publish refused: client 127\.0\.0\.1, app "live", stream "cam1", reason $reason/,
         "the refusal is logged with reason $reason");
}
unlike($log, qr/\Q$secret{k1}\E|\Q$secret{k2}\E/, 'no secret in the log');

my $metrics = $t->get('/vstream/metrics')->{content};
like($metrics, qr/^vstream_publish_denied_total\{app="live",reason="$_"\} $want{$_}$/m,
     "metrics: vstream_publish_denied_total reason=\"$_\" is $want{$_}")
    for qw(unknown_kid bad_args);
like($metrics, qr/^vstream_publish_denied_total\{app="live",reason="banned"\} 0$/m,
     'metrics: reason="banned" is there too, at 0');

ok(wait_for(sub {
    my $d = $hook->denied;
    ($d->{unknown_kid} // 0) >= $want{unknown_kid} && ($d->{bad_args} // 0) >= $want{bad_args};
}, 20), 'publish_denied webhook events carry unknown_kid and bad_args')
    or diag(explain($hook->denied));

# ---- rotation: a reload drops k1 and adds k3; the live publisher stays -----

my $live = $t->flood('live', '--url', $base, '--name', 'onair', '--args', key('k1', 'onair'),
                     '--duration', 12, '--timeout', 10);
ok(wait_for(sub { $t->status_stream('live', 'onair') }, 10), 'a publisher signed with k1 is live');

$t->write_file('conf/keys', keyfile(qw(k2 k3)), 0600);
my %old = map { $_ => 1 } $t->worker_pids;
$t->reload;
ok(wait_for(sub { 2 == grep { !$old{$_} } $t->worker_pids }, 20), 'reloaded: two new workers');
# the old workers (one keeps the publisher) stop listening once told
ok(wait_for(sub {
    my $log = $t->error_log;
    !grep { $log !~ /\b$_#\d+: gracefully shutting down/ } keys %old;
}, 20), 'the old workers are shutting down');

is(try_publish('cam3', key('k3', 'cam3')), 'ok', 'after the reload, the new key k3 is accepted');
is(try_publish('cam2', key('k2', 'cam2')), 'ok', 'k2, in both lists, still is');
is(try_publish('cam1', key('k1', 'cam1')), 'refused', 'the removed key k1 is refused');
is(last_reason(), 'unknown_kid', '... with reason unknown_kid');

my $st = $t->status_stream('live', 'onair');
ok($st, 'the publisher signed with the removed key is still live');
my $bytes = $st ? $st->{bytes_in} : 0;
ok(wait_for(sub { my $s = $t->status_stream('live', 'onair'); $s && $s->{bytes_in} > $bytes }, 10),
   '... and still sending');
my ($status, $sum) = $t->flood_finish('live', $live, 30);
is($sum->{ok}, 1, '... to the end of its run') or diag(explain($sum));

# a ban is checked after the key: a wrong key learns nothing of it
is($t->http('PUT', '/vstream/bans/live/cam9?seconds=60')->{status}, 201, 'live/cam9 is banned');
is(try_publish('cam9', key('k2', 'cam9', sign => 'k3')), 'refused', 'a wrong key for a banned name: refused');
is(last_reason(), 'signature', '... as signature, not banned');
is(try_publish('cam9', key('k2', 'cam9')), 'refused', 'a valid key for it: refused');
is(last_reason(), 'banned', '... as banned');

done_testing();
