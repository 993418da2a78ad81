using System.Globalization;

namespace Segmenter.Bench;

/// <summary>CPU time from Linux's /proc, in seconds (clock ticks of 1/100 s).</summary>
internal static class ProcessCpu
{
    private const double TicksPerSecond = 100;

    // user, nice, system, irq, softirq and steal: every state of /proc/stat's "cpu" line but idle and iowait.
    private static readonly int[] BusyFields = [1, 2, 3, 6, 7, 8];

    /// <summary>The CPU time one process has used: utime + stime of /proc/PID/stat.</summary>
    public static double Seconds(int processId)
    {
        var stat = File.ReadAllText($"/proc/{processId}/stat");
        // The fields after the command name, which is in parentheses and may hold spaces: utime and stime are the 12th and 13th.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (Ticks(fields[11]) + Ticks(fields[12])) / TicksPerSecond;
    }

    /// <summary>The CPU time the whole machine has been busy (user, nice, system, irq, softirq, steal of /proc/stat), in core-seconds.</summary>
    public static double MachineBusySeconds()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return BusyFields.Sum(i => Ticks(fields[i])) / TicksPerSecond;
    }

    private static double Ticks(string field) => double.Parse(field, CultureInfo.InvariantCulture);
}
