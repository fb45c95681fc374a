#!/usr/bin/perl

# The same sources build in an upstream nginx tree, with nginx-rtmp-module
# added in the same configure run (the orig tarballs of Debian's nginx and
# libnginx-mod-rtmp source packages, fetched by deploy/deps.sh --sources),
# and configure stops with one clear line when nginx-rtmp's headers are
# nowhere to be found.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use Test::More;
use VStream::Test;

my $top = VStream::Test::top();
my ($ngx) = glob "$top/build/src/nginx-[0-9]*/";
my ($rtmp) = glob "$top/build/src/nginx-rtmp-module-*/";

plan(skip_all => 'nginx and nginx-rtmp sources missing; run deploy/deps.sh --sources')
    unless $ngx && $rtmp && -f "$ngx/configure";

my $dir = tempdir('vstream-build-XXXXXX', TMPDIR => 1, CLEANUP => 1);
system('cp', '-a', "$ngx/.", $dir) == 0 or die 'copy failed';

# without nginx-rtmp: one line saying what to set
my $out = `cd $dir && env -u NGX_RTMP_SRC ./configure --with-compat --add-dynamic-module=$top 2>&1`;
isnt($?, 0, 'configure without nginx-rtmp headers fails');
my @lines = grep { /ngx_vstream_module/ } split /\n/, $out;
is(scalar @lines, 1, 'with one line about it');
like($lines[0] // '', qr/set NGX_RTMP_SRC=/, 'saying what to set');

# with nginx-rtmp added in the same run: found without NGX_RTMP_SRC
$out = `cd $dir && env -u NGX_RTMP_SRC ./configure --with-compat --with-threads --without-http_rewrite_module --add-dynamic-module=$rtmp --add-dynamic-module=$top 2>&1`;
is($?, 0, 'configure with --add-dynamic-module for both') or diag($out);

$out = `cd $dir && make -j2 modules 2>&1`;
is($?, 0, 'make modules builds') or diag(join "\n", grep { /error|warning/ } split /\n/, $out);
ok(-f "$dir/objs/ngx_vstream_module.so", 'objs/ngx_vstream_module.so exists');
ok(-f "$dir/objs/ngx_rtmp_module.so", 'next to objs/ngx_rtmp_module.so');

my $syms = `nm -D --defined-only $dir/objs/ngx_vstream_module.so 2>&1`;
like($syms, qr/\bngx_modules\b/, 'it is an nginx dynamic module');
my $names = `strings $dir/objs/ngx_vstream_module.so`;
like($names, qr/ngx_vstream_module/, 'holding the core part');
like($names, qr/ngx_rtmp_vstream_module/, 'the RTMP part');
like($names, qr/ngx_http_vstream_module/, 'and the HTTP part');

done_testing();
