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
use Cwd qw(abs_path);
use File::Path qw(make_path);
use FindBin;
use Test::More;

my $top = $ENV{VSTREAM_TOP} || abs_path("$FindBin::Bin/..");
my $cc = $ENV{CC} || 'cc';

plan(skip_all => "no C compiler ($cc)")
    unless system("command -v $cc >/dev/null 2>&1") == 0;

my ($ngx) = glob("$top/build/src/nginx-[0-9]*/src/core/ngx_string.c");
my ($rtmp) = glob("$top/build/src/nginx-rtmp-module-*/ngx_rtmp.h");
my $auto = "$top/build/nginx-release/objs";
plan(skip_all => "nginx's configured tree is missing; run 'make module'")
    unless $ngx && $rtmp && -f "$auto/ngx_auto_config.h";
$ngx =~ s{/src/core/ngx_string\.c$}{};
$rtmp =~ s{/ngx_rtmp\.h$}{};

my $out = "$top/build/unit";
my $bin = "$out/render_test";
make_path($out);

# nginx's headers are built as nginx builds them: no -Wunused-parameter
my @cmd = ($cc, qw(-g -O1 -Wall -Wextra -Wno-unused-parameter -Werror),
           '-fsanitize=address,undefined', '-fno-sanitize-recover=all',
           "-I$auto", "-I$ngx/src/core", "-I$ngx/src/event",
           "-I$ngx/src/os/unix", "-I$rtmp", "-I$top/src",
           "$top/t/unit/render_test.c", "$top/src/ngx_vstream_render.c",
           "$top/src/ngx_vstream_render_json.c",
           "$top/src/ngx_vstream_render_prom.c", "$top/src/vstream_text.c",
           '-ljansson', '-o', "$bin.$$");

my $log = `@cmd 2>&1`;
unless (is($?, 0, 'the unit test builds with -Werror, ASan and UBSan')) {
    diag($log);
    done_testing();
    exit;
}
rename("$bin.$$", $bin) or die "cannot rename $bin.$$: $!";

# leak checking would only add a dependency on ptrace being allowed
local $ENV{ASAN_OPTIONS} = 'detect_leaks=0:abort_on_error=0';
local $ENV{UBSAN_OPTIONS} = 'print_stacktrace=1';

my ($plan, $seen, @rest) = (undef, 0);

open(my $tap, '-|', $bin) or die "cannot run $bin: $!";

while (my $line = <$tap>) {
    chomp $line;

    if ($line =~ /^(not )?ok (\d+) - (.*)$/) {
        $seen++;
        ok(!defined $1, "render: $3");

    } elsif ($line =~ /^1\.\.(\d+)$/) {
        $plan = $1;

    } elsif ($line =~ /^#/) {
        note($line);

    } else {
        push @rest, $line;
    }
}

close($tap);
my $status = $?;

is($status, 0, 'the unit test exits 0 (no failure, no sanitizer report)');
is($seen, $plan // -1, 'it ran as many tests as it planned');
is(scalar @rest, 0, 'and printed nothing but TAP') or diag(join "\n", @rest);

done_testing();
