package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// mbps formats bytes per second in MB/s (10^6 bytes).
func mbps(rate float64) string {
	return fmt.Sprintf("%.1f MB/s", rate/1e6)
}

// secs formats a duration in seconds with three decimals.
func secs(d time.Duration) string {
	return fmt.Sprintf("%.3f s", d.Seconds())
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

// printUploadTable writes the upload mode's table: each transfer's fastest run, its
// rate, its ratio to the baseline copy, and the targets.
func printUploadTable(w io.Writer, r *uploadResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "upload (%s file, fastest of %d)\ttime\trate\tvs copy\ttarget\n", mib(r.size), len(r.copyRun.runs))
	base := r.copyRun.rate(r.size)
	line := func(name string, t transfer, target string) {
		if len(t.runs) == 0 {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t%s\n", name, target)
			return
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.2f\t%s\n", name, secs(t.best()), mbps(t.rate(r.size)), ratio(t.rate(r.size), base), target)
	}
	line("copy + fsync (baseline)", r.copyRun, "-")
	line("cp + fsync", r.cpRun, "- (cp may copy inside the kernel)")
	up, down := r.uploadRatio(), r.downloadRatio()
	line("upload: POST rooms.media", r.upload, fmt.Sprintf("%s: ≥ %.2f", verdict(len(r.upload.runs) > 0 && up >= targetUploadRatio), targetUploadRatio))
	line("download: GET /file-upload", r.download, fmt.Sprintf("%s: ≥ %.2f", verdict(len(r.download.runs) > 0 && down >= targetUploadRatio), targetUploadRatio))
	tw.Flush()
	if r.rssSize > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "server RSS (%s file)\tidle\tpeak\tabove idle\ttime\ttarget\n", mib(r.rssSize))
		rssLine := func(name string, run rssRun, target string) {
			if !r.rssOK {
				fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t%s\n", name, target)
				return
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s (%s)\t%s\n", name, mib(run.idle), mib(run.peak), mib(run.delta()),
				secs(run.took), mbps(float64(r.rssSize)/max(run.took.Seconds(), 1e-9)), target)
		}
		rssLine("during the upload", r.rss, fmt.Sprintf("%s: < 64 MB (61.0 MiB) above idle", verdict(r.rssOK && r.rss.delta() < targetUploadRSS)))
		rssLine("during the download", r.rssDown, "-")
		tw.Flush()
	}
}

// uploadNotes are the lines under the upload table.
func uploadNotes(r *uploadResult) []string {
	runs := func(t transfer) string {
		s := make([]string, len(t.runs))
		for i, d := range t.runs {
			s[i] = secs(d)
		}
		return strings.Join(s, ", ")
	}
	notes := []string{
		fmt.Sprintf("upload: files in %s, on the data directory's disk: %s; every write fsynced before its clock stops "+
			"(the server answers rooms.media after fsyncing the blob); sources read from the page cache", r.dir, r.sameDisk),
		fmt.Sprintf("upload: runs: copy %s; cp %s; upload %s; download %s; mediaConfirm %s",
			runs(r.copyRun), runs(r.cpRun), runs(r.upload), runs(r.download), runs(r.confirm)),
		fmt.Sprintf("upload: FileUpload_MaxFileSize was %s, set to -1 (no limit) for the run and put back", r.settingWas),
	}
	if r.rssSize > 0 && r.rssOK {
		notes = append(notes, fmt.Sprintf("upload: RSS sampled every %v from /proc/PID/status (VmRSS): %d samples during the upload, %d during the download",
			rssSampleEvery, r.rss.samples, r.rssDown.samples))
	}
	for _, e := range r.errors {
		notes = append(notes, "upload: "+e)
	}
	return notes
}

// uploadFlags registers the upload mode's flags; sizes are in MiB.
func uploadFlags(fs *flag.FlagSet, opt *uploadOptions) func() error {
	sizeMiB := fs.Int("upload-mib", 100, "upload: the throughput file's size in MiB")
	rssMiB := fs.Int("upload-rss-mib", 1024, "upload: the size in MiB of the upload during which the server's RSS is sampled; 0 skips it")
	fs.IntVar(&opt.runs, "upload-runs", 3, "upload: runs of each transfer (the fastest counts)")
	fs.StringVar(&opt.dir, "upload-dir", "", "upload: where to write the files (default: beside -data, on its disk, else $TMPDIR)")
	return func() error {
		switch {
		case *sizeMiB < 1 || *sizeMiB > 64<<10 || *rssMiB < 0 || *rssMiB > 64<<10:
			return errors.New("-upload-mib must be 1 to 65536, -upload-rss-mib 0 to 65536")
		case opt.runs < 1 || opt.runs > 100:
			return errors.New("-upload-runs must be 1 to 100")
		}
		opt.size, opt.rssSize = int64(*sizeMiB)<<20, int64(*rssMiB)<<20
		return nil
	}
}

// uploadBudget is the longest the upload mode may take: every byte written, copied,
// sent and read back at no less than 10 MB/s, plus a minute.
func uploadBudget(opt uploadOptions) time.Duration {
	bytes := int64(opt.runs)*opt.size*5 + opt.rssSize*4
	return time.Minute + time.Duration(bytes/10e6)*time.Second
}
