#!/usr/bin/perl

# vstreamctl over several frontends: two nginx with the module (on
# loopback, each its own admin API and token, the same token), a stream on
# each.  --url repeated and VSTREAM_URL with commas give one table with a
# FRONTEND column; --json one document per frontend; a dead frontend is
# named on stderr and the exit is 1 while the others are still shown; drop
# finds the frontend that holds the stream, says when none or two do.
# recordings over both: one table with a FRONTEND column, oldest first
# (--json one document per frontend); rm-recording deletes on the frontend
# that keeps it; bans with a dead frontend name only the dead one.
# VSTREAM_VALGRIND=1 runs every vstreamctl under valgrind.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use JSON::PP;
use Test::More;
use VStream::Test qw(wait_for);

my $ctl = VStream::Test::top() . '/build/vstreamctl';
plan(skip_all => 'vstreamctl not built; run make vstreamctl') unless -x $ctl;

my $conf = <<'END';
%%PREAMBLE%%

rtmp {
    server {
        listen 127.0.0.1:%%PORT_RTMP%%;
        application live {
            live on;
            vstream_hls_path %%PREFIX%%/hls;
            vstream_record_path %%PREFIX%%/rec;
        }
    }
}

http {
    access_log off;
    server {
        listen 127.0.0.1:%%PORT_HTTP%%;
        location /vstream/ {
            vstream_admin;
            vstream_admin_token_file admin.token;
        }
    }
}
END

my @fe = map { VStream::Test->new(need => [qw(flood)]) } 1, 2;
for my $t (@fe) {
    $t->write_file('conf/admin.token', "tok-$$\n", 0600);
    mkdir $t->prefix . '/rec' or die $!;
    chmod 0777, $t->prefix . '/rec';
    $t->write_conf($conf);
}

# a finished recording of live/old as the recorder leaves it: ID, info
# and index (no segments: the listing reads the info file)
sub recording {
    my ($t, $id, $started) = @_;
    my $dir = $t->prefix . "/rec/live/old/$id";
    system('mkdir', '-p', $dir) == 0 or die;
    system('chmod', '-R', '0777', $t->prefix . '/rec/live') == 0 or die;
    $t->write_file("rec/live/old/$id/index.m3u8",
                   "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-ENDLIST\n");
    $t->write_file("rec/live/old/$id/info",
                   "started_at $started\nsegments 0\nbytes 0\n"
                   . "duration_ms 0\ncomplete 1\n");
}
recording($fe[0], '20261201T080000Z', 1796112000);
recording($fe[1], '20261201T070000Z', 1796108400);
recording($fe[0], '20261201T090000Z', 1796115600);
$_->run for @fe;

my $tok = $fe[0]->prefix . '/conf/admin.token';
my @url = map { 'http://127.0.0.1:' . $_->port('http') . '/vstream' } @fe;
my @label = map { '127.0.0.1:' . $_->port('http') } @fe;
my $dead = $fe[0]->port('dead');    # held, not listening: refused
my $auth = { Authorization => "Bearer tok-$$" };

sub publish {
    my ($t, $name) = @_;
    $t->flood($name, '--url', 'rtmp://127.0.0.1:' . $t->port('rtmp') . '/live',
              '--name', $name, '--duration', 120);
}

sub live {
    my ($t, $name) = @_;
    return $t->status_stream('live', $name, headers => $auth);
}

publish($fe[0], 'a');
publish($fe[1], 'b');
ok(wait_for(sub { live($fe[0], 'a') && live($fe[1], 'b') }, 20),
   'a is live on frontend 1, b on frontend 2') or BAIL_OUT('no streams');

sub ctl {
    my ($args, %env) = @_;
    local $ENV{VSTREAM_URL};
    delete $ENV{VSTREAM_URL};
    local @ENV{keys %env} = values %env;
    my $err = $fe[0]->prefix . '/ctl.err';
    # VSTREAM_VALGRIND=1: under memcheck, a finding is exit 99
    my $vg = $ENV{VSTREAM_VALGRIND}
        ? 'valgrind -q --leak-check=full --errors-for-leak-kinds=definite,'
          . 'indirect --error-exitcode=99 ' : '';
    my $out = `$vg$ctl $args --token-file $tok 2>$err`;
    return ($? >> 8, $out, $fe[0]->read_file($err));
}

# a table's rows: [frontend, app/stream]
sub rows {
    my ($out) = @_;
    return map { [ /^(\S+)\s+(\S+)/ ] } grep { m{ live/} } split /\n/, $out;
}

my ($rc, $out, $err) = ctl("status --url $url[0] --url $url[1]");
is($rc, 0, 'status over two frontends: exit 0') or diag($err);
like($out, qr/^FRONTEND\s+APP\/STREAM\s+PUBLISHER/, 'a FRONTEND column first');
is_deeply([rows($out)], [[$label[0], 'live/a'], [$label[1], 'live/b']],
          'one table: each stream with its frontend');
like($out, qr/^totals: streams 2,/m, 'the totals summed over both');
is($err, '', 'nothing on stderr');

my ($rc2, $out2) = ctl('status', VSTREAM_URL => "$url[0],$url[1]");
is($rc2, 0, 'VSTREAM_URL with a comma: exit 0');
is_deeply([rows($out2)], [rows($out)], '... the same table');

($rc, $out) = ctl("status --url $url[0]");
unlike($out, qr/FRONTEND/, 'one frontend: the table as before, no column');

($rc, $out) = ctl("status --json --url $url[0],$url[1]");
my $doc = eval { decode_json($out) } || {};
is(scalar @{ $doc->{frontends} || [] }, 2, '--json: one entry per frontend');
is_deeply([map { [$_->{frontend}, map { $_->{name} } @{ $_->{status}{streams} }] }
           @{ $doc->{frontends} || [] }],
          [[$label[0], 'a'], [$label[1], 'b']],
          '... each with its own status document');

# a dead frontend among them
($rc, $out, $err) = ctl("status --url $url[0] --url http://127.0.0.1:$dead/vstream "
                        . "--url $url[1]");
is($rc, 1, 'a dead frontend: exit 1');
like($err, qr/^vstreamctl: 1 of 3 frontends failed: 127\.0\.0\.1:$dead$/m,
     'the dead frontend is named on stderr');
like($err, qr/cannot connect to http:\/\/127\.0\.0\.1:$dead\//, '... with why');
is_deeply([rows($out)], [[$label[0], 'live/a'], [$label[1], 'live/b']],
          'the others are still shown');

($rc, $out, $err) = ctl("status --json --url $url[0] --url http://127.0.0.1:$dead/vstream");
$doc = eval { decode_json($out) } || {};
is($rc, 1, '--json with a dead frontend: exit 1');
ok(exists $doc->{frontends}[1]{status} && !defined $doc->{frontends}[1]{status},
   '... its status is null');

($rc, $out, $err) = ctl("status --url $url[0],");
is($rc, 2, 'an empty URL in the list is bad usage');
like($err, qr/an empty URL/, '... saying so');

# drop finds the holder
($rc, $out, $err) = ctl("drop live/b --url $url[0] --url $url[1]");
is($rc, 0, 'drop live/b over both: exit 0') or diag($err);
like($out, qr{^live/b: disconnect requested on \Q$label[1]\E \(\d+\)$}m,
     '... on the frontend that holds it');
ok(wait_for(sub { !live($fe[1], 'b') }, 10), 'b is gone from frontend 2');
ok(live($fe[0], 'a'), 'a is still live on frontend 1');

($rc, $out, $err) = ctl("drop live/nope --url $url[0] --url $url[1]");
is($rc, 1, 'drop of a stream nowhere: exit 1');
like($err, qr{no live stream live/nope on any of the 2 frontends}, '... saying so');

# the same name on both: the user chooses
publish($fe[0], 'c');
publish($fe[1], 'c');
ok(wait_for(sub { live($fe[0], 'c') && live($fe[1], 'c') }, 20),
   'c is live on both');
($rc, $out, $err) = ctl("drop live/c --url $url[0] --url $url[1]");
is($rc, 1, 'drop of a name live on two frontends: exit 1');
like($err, qr{live/c is live on 2 frontends: \Q$label[0] $label[1]\E;},
     '... naming both');
ok(live($fe[0], 'c') && live($fe[1], 'c'), '... and dropping neither');

($rc, $out, $err) = ctl("drop live/a --url $url[0] --url http://127.0.0.1:$dead/vstream");
is($rc, 1, 'drop with a dead frontend: exit 1');
like($out, qr{^live/a: disconnect requested on \Q$label[0]\E}m,
     '... the holder that answered is dropped all the same');
like($err, qr/1 of 2 frontends failed: 127\.0\.0\.1:$dead$/m, '... the dead one named');

# recordings: each frontend keeps its own
sub rec_rows {
    my ($out) = @_;
    return map { [ /^(\S+)\s+live\s+old\s+(\S+)/ ] } grep { / old / } split /\n/, $out;
}
($rc, $out, $err) = ctl("recordings live/old --url $url[0] --url $url[1]");
is($rc, 0, 'recordings over two frontends: exit 0') or diag($err);
like($out, qr/^FRONTEND\s+APP\s+NAME\s+ID/, 'a FRONTEND column first');
is_deeply([rec_rows($out)],
          [[$label[1], '20261201T070000Z'], [$label[0], '20261201T080000Z'],
           [$label[0], '20261201T090000Z']],
          'one table, oldest first, each with the frontend that keeps it');
($rc, $out) = ctl("recordings live/old --url $url[0]");
ok($out !~ /FRONTEND/ && $out =~ /^live\s+old\s+20261201T090000Z/m,
   'one frontend: the table as before, no column') or diag($out);

($rc, $out, $err) = ctl("recordings live/old --json --url $url[0] --url http://127.0.0.1:$dead/vstream --url $url[1]");
$doc = eval { decode_json($out) } || {};
is($rc, 1, 'recordings --json with a dead frontend: exit 1');
is_deeply([map { [$_->{frontend}, map { $_->{id} } @{ ($_->{recordings} || {})->{recordings} || [] }] }
           @{ $doc->{frontends} || [] }],
          [[$label[0], '20261201T080000Z', '20261201T090000Z'],
           ["127.0.0.1:$dead"], [$label[1], '20261201T070000Z']],
          '... one document per frontend, the dead one null');
ok(exists $doc->{frontends}[1]{recordings} && !defined $doc->{frontends}[1]{recordings},
   '... its recordings are null');
like($err, qr/^vstreamctl: 1 of 3 frontends failed: 127\.0\.0\.1:$dead$/m,
     '... and named on stderr');

($rc, $out, $err) = ctl("rm-recording live/old/20261201T070000Z --url $url[0] --url $url[1]");
is($rc, 0, 'rm-recording over two frontends: exit 0') or diag($err);
like($out, qr{^live/old/20261201T070000Z: deleted on \Q$label[1]\E$}m,
     '... on the frontend that kept it');
ok(!-e $fe[1]->prefix . '/rec/live/old/20261201T070000Z'
   && -e $fe[0]->prefix . '/rec/live/old/20261201T080000Z',
   '... its directory is gone, the other frontend\'s recordings stay');
($rc, $out, $err) = ctl("rm-recording live/old/20261201T070000Z --url $url[0] --url $url[1]");
is($rc, 1, 'rm-recording of a recording nowhere: exit 1');
like($err, qr{no recording live/old/20261201T070000Z on any of the 2 frontends}, '... saying so');

# bans with a dead frontend: only the dead one is named
($rc, $out, $err) = ctl("bans --url $url[0] --url http://127.0.0.1:$dead/vstream");
is($rc, 1, 'bans with a dead frontend: exit 1');
like($err, qr/^vstreamctl: 1 of 2 frontends failed: 127\.0\.0\.1:$dead$/m,
     '... naming the dead one alone');

done_testing();
