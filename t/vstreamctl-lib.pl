# Running vstreamctl from tests, in core Perl:
#
#   require "$FindBin::Bin/vstreamctl-lib.pl";
#   my $ctl = vstreamctl_path();     # skip_all when it is not built
#   my $r = vstreamctl_run({ env => { VSTREAM_URL => $url } }, 'status');
#   # $r->{rc}, $r->{out}, $r->{err}, $r->{secs}
#
# The environment is cleaned of VSTREAM_* and proxy variables first, so a
# test sees only what it sets.  With VSTREAM_VALGRIND=1 every run goes under
# valgrind (memcheck, full leak check); findings fail vstreamctl_valgrind_ok.

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use POSIX qw(:sys_wait_h _exit);
use Test::More;
use Time::HiRes qw(sleep time);

my $VSTREAMCTL_TOP = $ENV{VSTREAM_TOP} || abs_path(dirname(__FILE__) . '/..');
my $VSTREAMCTL = "$VSTREAMCTL_TOP/build/vstreamctl";
my $VSTREAMCTL_VALGRIND = $ENV{VSTREAM_VALGRIND} ? 1 : 0;
my $VSTREAMCTL_TMP = tempdir('vstreamctl-t-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my @vstreamctl_valgrind_findings;
my $vstreamctl_runs = 0;

sub vstreamctl_path {
    plan(skip_all => "vstreamctl not built ($VSTREAMCTL); run 'make vstreamctl'")
        unless -x $VSTREAMCTL;
    plan(skip_all => 'VSTREAM_VALGRIND is set but valgrind is not installed')
        if $VSTREAMCTL_VALGRIND && system('valgrind --version >/dev/null 2>&1') != 0;
    return $VSTREAMCTL;
}

sub vstreamctl_tmp { $VSTREAMCTL_TMP }

# vstreamctl_run(\%opt, @args): opt: env => {NAME => value or undef},
# timeout => seconds (default 30; the run is killed past it).
sub vstreamctl_run {
    my ($opt, @args) = @_;
    my $n = ++$vstreamctl_runs;
    my ($out, $err, $vg) = map { "$VSTREAMCTL_TMP/run$n.$_" } qw(out err vg);
    my $limit = $opt->{timeout} || 30;
    my @cmd = ($VSTREAMCTL, @args);

    unshift @cmd, 'valgrind', '-q', '--leak-check=full',
        '--show-leak-kinds=definite,indirect', '--errors-for-leak-kinds=definite,indirect',
        "--log-file=$vg"
        if $VSTREAMCTL_VALGRIND;

    my $start = time;
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        delete @ENV{ grep { /^VSTREAM_(URL|TOKEN_FILE|SIGN_NOW)$/ || /_proxy$/i } keys %ENV };
        my $env = $opt->{env} || {};
        for my $k (keys %$env) {
            if (defined $env->{$k}) { $ENV{$k} = $env->{$k} } else { delete $ENV{$k} }
        }
        open(STDIN, '<', '/dev/null') && open(STDOUT, '>', $out)
            && open(STDERR, '>', $err) or _exit(126);
        exec { $cmd[0] } @cmd or _exit(127);
    }

    my $status;
    while (1) {
        my $w = waitpid($pid, WNOHANG);
        if ($w == $pid) { $status = $?; last; }
        if (time - $start > $limit) {
            kill 'KILL', $pid;
            waitpid($pid, 0);
            $status = -1;
            last;
        }
        sleep 0.01;
    }

    my %r = (
        rc   => $status == -1 ? 'killed after timeout' : ($status & 127 ? 'signal ' . ($status & 127) : $status >> 8),
        out  => _vstreamctl_slurp($out),
        err  => _vstreamctl_slurp($err),
        secs => time - $start,
    );

    if ($VSTREAMCTL_VALGRIND) {
        my $log = _vstreamctl_slurp($vg);
        push @vstreamctl_valgrind_findings, "vstreamctl @args:\n$log" if $log ne '';
    }

    return \%r;
}

# In valgrind mode: one test that no run had a finding.  A no-op otherwise.
sub vstreamctl_valgrind_ok {
    return unless $VSTREAMCTL_VALGRIND;
    ok(!@vstreamctl_valgrind_findings, "valgrind found nothing in $vstreamctl_runs runs")
        or diag(join("\n", @vstreamctl_valgrind_findings));
}

sub _vstreamctl_slurp {
    my ($path) = @_;
    open(my $fh, '<', $path) or return '';
    local $/;
    my $s = <$fh>;
    return defined $s ? $s : '';
}

1;
