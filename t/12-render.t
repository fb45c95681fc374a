#!/usr/bin/perl

# The renderers (src/ngx_vstream_render*.c) on their own: builds the C unit
# test t/unit/render_test.c (the checked writer at its edges; a worst-case
# snapshot into the size each renderer computes, then into every shorter
# buffer: each must fail with an alert and write nothing past the end) with
# AddressSanitizer and UBSan (any finding stops it) and reports each of its
# TAP lines here.  Needs a C compiler, jansson's headers and nginx's
# configured tree (build/nginx-release, made by 'make module').

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use VStream::Unit;

my $top = VStream::Unit::top();

my ($ngx) = glob("$top/build/src/nginx-[0-9]*/src/core/ngx_string.c");
my ($rtmp) = glob("$top/build/src/nginx-rtmp-module-*/ngx_rtmp.h");
my $auto = "$top/build/nginx-release/objs";
plan(skip_all => "nginx's configured tree is missing; run 'make module'")
    unless $ngx && $rtmp && -f "$auto/ngx_auto_config.h";
$ngx =~ s{/src/core/ngx_string\.c$}{};
$rtmp =~ s{/ngx_rtmp\.h$}{};

# nginx's headers are built as nginx builds them: no -Wunused-parameter
VStream::Unit::run(
    name     => 'render',
    cflags   => ['-Wno-unused-parameter', "-I$auto", "-I$ngx/src/core",
                 "-I$ngx/src/event", "-I$ngx/src/os/unix", "-I$rtmp"],
    sources  => [qw(t/unit/render_test.c src/ngx_vstream_render.c
                    src/ngx_vstream_render_json.c src/ngx_vstream_render_prom.c
                    src/vstream_text.c)],
    libs     => ['-ljansson'],
    comments => 'note',
);
