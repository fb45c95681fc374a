#!/usr/bin/perl

# HLS from any frontend: two frontends, each an nginx with the module in a
# namespace of its own, joined by a private link; a publisher on each (a on
# frontend 1, b on frontend 2).  A proxy_cache edge on the host stands in
# for CloudFront (it adds CloudFront-Viewer-Address); edge 1 goes to
# frontend 1, edge 2 to frontend 2.  A viewer in a third namespace plays a
# through edge 2 and b through edge 1, the frontend that does not hold it:
# on its local miss that frontend fetches from its peer (proxy_pass,
# proxy_next_upstream http_404), the peer answers from its files.  Both
# play; each is counted once, on its owner, as the viewer's address; the
# proxying frontend counts it neither as a viewer nor as unmatched (with
# vstream_hls_viewers at server level, so the proxying location has it
# too: what an upstream answered is not counted).  A name that is nowhere
# is one 404 after exactly one peer hop.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use VStream::Test qw(wait_for);
use VStream::Fleet;

my $edge = VStream::Test->new(need => [qw(ffmpeg netns curl)]);

my $ns1 = $edge->netns('f1', 125);
my $ns2 = $edge->netns('f2', 126);
my $nsv = $edge->netns('fv', 127);
my ($priv1, $priv2) = VStream::Fleet::private_link($edge, $ns1, $ns2, 128);

my %P = %VStream::Fleet::PORT;

# the frontend's nginx.conf: what the nginx role renders with nginx_peers,
# but every path in the test's prefix and the edge as the trusted CDN
sub frontend_conf {
    my ($ns, $priv, $peer) = @_;
    return <<"END";
%%PREAMBLE(workers=2)%%

rtmp {
    server {
        listen $ns->{addr}:$P{rtmp};
        application live {
            live on;
            hls on;
            hls_path %%PREFIX%%/hls;
            hls_fragment 1s;
            hls_playlist_length 6s;
            vstream_hls_path %%PREFIX%%/hls;
        }
    }
}

http {
    types {
        application/vnd.apple.mpegurl m3u8;
        video/mp2t ts;
    }
    log_format fleet '\$remote_addr \$realip_remote_addr "\$request" '
                     '\$status \$upstream_addr';
    access_log off;

    upstream vstream_peers {
        server $peer:$P{peer} max_fails=0;
        keepalive 8;
    }

    # what the CDN reaches
    server {
        listen $ns->{addr}:$P{http};
        access_log logs/public.log fleet;
        set_real_ip_from $ns->{gateway};
        real_ip_header CloudFront-Viewer-Address;
        vstream_hls_viewers on;

        location /vstream/ {
            vstream_admin;
            allow $ns->{gateway};
            deny all;
        }

        location /hls/ {
            alias %%PREFIX%%/hls/;
            try_files \$uri \@vstream_peers;
        }

        location \@vstream_peers {
            proxy_pass http://vstream_peers;
            proxy_next_upstream error timeout http_404;
            proxy_next_upstream_tries 2;
            proxy_next_upstream_timeout 3s;
            proxy_connect_timeout 1s;
            proxy_send_timeout 3s;
            proxy_read_timeout 3s;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For \$remote_addr;
        }
    }

    # what the peers reach: the private address, local files only
    server {
        listen $priv:$P{peer};
        access_log logs/peer.log fleet;
        set_real_ip_from $peer;
        real_ip_header X-Forwarded-For;

        location /hls/ {
            alias %%PREFIX%%/hls/;
            vstream_hls_viewers on;
        }
    }
}
END
}

my $fe1 = VStream::Fleet->new(ns => $ns1);
my $fe2 = VStream::Fleet->new(ns => $ns2);
$fe1->write_conf(frontend_conf($ns1, $priv1, $priv2));
$fe2->write_conf(frontend_conf($ns2, $priv2, $priv1));
$fe1->run;
$fe2->run;

# the edge: playlists never cached, segments cached, the viewer's address
# in CloudFront-Viewer-Address (ip:port, as CloudFront sends it)
$edge->write_conf(<<"END");
%%PREAMBLE%%

http {
    access_log off;
    proxy_cache_path %%PREFIX%%/cache keys_zone=edge:1m;

    map \$uri \$edge_nocache {
        ~\\.m3u8\$  1;
        default   0;
    }

    proxy_cache edge;
    proxy_cache_valid 200 1m;
    proxy_no_cache \$edge_nocache;
    proxy_cache_bypass \$edge_nocache;
    proxy_set_header CloudFront-Viewer-Address \$remote_addr:\$remote_port;

    server {
        listen 127.0.0.1:%%PORT_EDGE1%%;
        listen $nsv->{gateway}:%%PORT_EDGE1%%;
        location / { proxy_pass http://$ns1->{addr}:$P{http}; }
    }

    server {
        listen 127.0.0.1:%%PORT_EDGE2%%;
        listen $nsv->{gateway}:%%PORT_EDGE2%%;
        location / { proxy_pass http://$ns2->{addr}:$P{http}; }
    }
}
END
$edge->run;
my %edge_url = map { $_ => "http://$nsv->{gateway}:" . $edge->port("edge$_") }
               1, 2;

$edge->publish("rtmp://$ns1->{addr}:$P{rtmp}/live/a", gop => 25);
$edge->publish("rtmp://$ns2->{addr}:$P{rtmp}/live/b", gop => 25);

# three segments in each playlist before a viewer comes
for my $c ([$fe1, 'a'], [$fe2, 'b']) {
    my ($fe, $name) = @$c;
    ok(wait_for(sub {
        my @seg = $fe->read_file("hls/$name.m3u8") =~ /^$name-\d+\.ts$/mg;
        @seg >= 3;
    }, 30), "$name is packaged on its frontend")
        or BAIL_OUT("no HLS for $name: " . $edge->process_log($edge->{pids}[0]));
}

# a through edge 2 (frontend 2 does not hold it), b through edge 1
my $pa = VStream::Fleet::play($edge, $nsv, "$edge_url{2}/hls/a.m3u8", 4, 'a');
my $pb = VStream::Fleet::play($edge, $nsv, "$edge_url{1}/hls/b.m3u8", 4, 'b');
for my $p ([$pa, 'a'], [$pb, 'b']) {
    my ($status, $secs) = VStream::Fleet::play_finish($edge, $p->[0], 60);
    is($status, 0, "the viewer played $p->[1] through the other frontend")
        or diag($edge->process_log($p->[0]));
    ok($secs >= 3.9, "... and decoded $secs s of it");
}

my $viewer = $nsv->{addr};
for my $c ([$fe1, $fe2, 'a', $priv1, $priv2],
           [$fe2, $fe1, 'b', $priv2, $priv1]) {
    my ($owner, $proxy, $name, $to, $from) = @$c;
    my $v = wait_for(sub {
        my $s = $owner->status_stream('live', $name) or return;
        ($s->{viewers}{active} // 0) >= 1 ? $s->{viewers} : undef;
    }, 10) || {};
    is($v->{active}, 1, "$name: one viewer on its owner");
    ok(($v->{playlist_requests} // 0) >= 2, "... that fetched the playlist "
       . "($v->{playlist_requests} times)");

    my @lines = $owner->log_lines('peer.log', qr{"GET /hls/$name[-.]});
    ok(@lines >= 2, "$name: the owner answered the peer (" . @lines
       . ' requests)');
    is(scalar(grep { !/^\Q$viewer $from\E "/ } @lines), 0,
       "... each as the viewer's address $viewer, from the peer $from");

    my @proxied = $proxy->log_lines('public.log', qr{"GET /hls/$name[-.]});
    ok(@proxied >= 2, "$name: the other frontend proxied it ("
       . @proxied . ' requests)');
    is(scalar(grep { !/ 200 \Q$to:$P{peer}\E$/ } @proxied), 0,
       '... each answered 200 by its peer');
}

# the proxying frontend counted nothing: the status is read after a tick
# (the counts merge every 500 ms) with the owners' counts already in
for my $c ([$fe1, 'frontend 1'], [$fe2, 'frontend 2']) {
    my ($fe, $which) = @$c;
    my $doc = $fe->json('/vstream/status');
    is($doc->{totals}{hls_unmatched}, 0,
       "$which: nothing unmatched (the requests it proxied)");
    is($doc->{totals}{viewers}, 1, "$which: one viewer, of its own stream");
    is(scalar @{ $doc->{streams} }, 1, "$which: its own stream alone");
}

# a name that is nowhere: one 404, one peer hop
my $r = `ip netns exec $nsv->{name} curl -s -o /dev/null -w '%{http_code}' $edge_url{2}/hls/nope.m3u8`;
is($r, '404', 'a stream nowhere: 404 through the edge');
my $nope = qr{"GET /hls/nope\.m3u8 };
ok(wait_for(sub { $fe1->log_lines('peer.log', $nope) }, 5),
   'the peer logged it');
is(scalar(my @l = $fe2->log_lines('public.log', $nope)), 1,
   'frontend 2 took it once, from the edge');
like($l[0] // '', qr/ 404 \Q$priv1:$P{peer}\E$/, '... and asked its peer once');
is(scalar(@l = $fe1->log_lines('peer.log', $nope)), 1,
   'frontend 1 answered the peer once');
like($l[0] // '', qr/ 404 -$/, '... from its files, passing it on to nobody');
is(scalar(@l = $fe1->log_lines('public.log', $nope)), 0,
   'frontend 1 did not take it as a public request');
is(scalar(@l = $fe2->log_lines('peer.log', $nope)), 0,
   'frontend 2 was not asked back: no loop');

done_testing();
