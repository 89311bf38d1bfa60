package io.recurflow.scc.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.recurflow.scc.GraphDot;
import io.recurflow.scc.GraphvizMissingException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ScheduleDotTest {
    private static int count(String text, String regex) {
        Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static TaskGraph stacked() {
        return TaskGraph.build(Nets.scc(Nets.lstm(2, false)), 4, 1, TaskOptions.DEFAULT.withChunks(4));
    }

    @Test
    void oneLanePerQueueWithEventsAndTheCriticalPath() {
        TaskGraph t = stacked();
        Schedule s = ListScheduler.schedule(t, Nets.COSTS, 2);
        String dot = ScheduleDot.toDot(t, s);
        assertTrue(dot.startsWith("digraph \"lstm2 schedule\" {\n  rankdir=LR;\n"), dot);
        for (int q = 0; q < 2; q++) {
            assertTrue(dot.contains("  subgraph cluster_" + q + " {\n    graph [ label=\"queue " + q + "\""), dot);
            for (int id : s.lane(q)) {
                assertTrue(dot.contains("\n    t" + id + ";\n"), "task " + id + " in lane " + q);
            }
        }
        assertEquals(0, count(dot, "^    cluster_\\d+ \\["), "GraphDot's cluster fix applied");
        assertEquals(t.size(), count(dot, "^  t\\d+ \\[ label=\"#"));
        int laneEdges = s.lane(0).size() - 1 + s.lane(1).size() - 1;
        assertEquals(laneEdges, count(dot, "arrowhead=\"none\""));
        assertEquals(s.events().size(), count(dot, "style=\"dashed\""));
        assertTrue(s.events().size() > 0);
        for (Schedule.Event e : s.events()) {
            assertTrue(Pattern.compile("^  t" + e.from() + " -> t" + e.to() + " \\[ style=\"dashed\"", Pattern.MULTILINE)
                    .matcher(dot).find(), "event " + e);
        }
        // Every task of the critical path has a red border, and each link between them is red.
        List<Integer> path = s.criticalPath();
        assertEquals(path.size(), count(dot, "^  t\\d+ \\[.*color=\"" + ScheduleDot.CRITICAL_PEN + "\" penwidth"));
        for (int i = 1; i < path.size(); i++) {
            assertTrue(Pattern.compile("^  t" + path.get(i - 1) + " -> t" + path.get(i) + " \\[.*color=\""
                    + ScheduleDot.CRITICAL_PEN + "\"", Pattern.MULTILINE).matcher(dot).find(),
                    "critical link " + path.get(i - 1) + " -> " + path.get(i));
        }
        Task first = t.task(s.lane(0).get(0));
        assertTrue(dot.contains("label=\"#" + first.id() + "\\n" + first.label() + "\\n0.000-"), dot);
    }

    @Test
    void outputIsByteStable() {
        TaskGraph t = stacked();
        String a = ScheduleDot.toDot(t, ListScheduler.schedule(t, Nets.COSTS, 2));
        TaskGraph again = stacked();
        assertEquals(a, ScheduleDot.toDot(again, ListScheduler.schedule(again, Nets.COSTS, 2)));
    }

    @Test
    void emptyLanesAreLeftOut() {
        TaskGraph t = TaskGraph.build(Nets.scc(Nets.lstm(1, false)), 3, 1);
        Schedule s = ListScheduler.schedule(t, new UnitCostModel(5, 50, 0.001), 3);
        assertTrue(s.lane(2).isEmpty(), SchedulePrinter.print(t, s));
        String dot = ScheduleDot.toDot(t, s);
        assertFalse(dot.contains("cluster_2"));
    }

    @Test
    void rendersWithGraphviz() {
        TaskGraph t = stacked();
        String svg;
        try {
            svg = GraphDot.toSvg(ScheduleDot.toDot(t, ListScheduler.schedule(t, Nets.COSTS, 2)));
        } catch (GraphvizMissingException e) {
            assumeTrue(false, e.getMessage());
            return;
        }
        assertEquals(2, count(svg, "<g id=\"clust\\d+\" class=\"cluster\">"));
        assertFalse(Pattern.compile("class=\"node\">\\s*<title>cluster_").matcher(svg).find(), "no stray nodes");
    }

    @Test
    void printerListsLanesWaitsAndTheCriticalPath() {
        TaskGraph t = TaskGraph.build(Nets.scc(Nets.lstm(1, true)), 3, 1);
        Schedule s = ListScheduler.schedule(t, Nets.COSTS, 2);
        String text = SchedulePrinter.print(t, s);
        assertTrue(text.startsWith(String.format(java.util.Locale.ROOT,
                "schedule: 2 queues, %d tasks, %d events, makespan %.3f us%n", t.size(), s.events().size(),
                s.makespan())), text);
        assertEquals(s.events().size(), count(text, " waits #"));
        assertEquals(t.size(), count(text, "^  +\\d+\\.\\d{3} +\\d+\\.\\d{3}  #\\d+ C\\d+ s0 "));
        assertTrue(text.contains("queue 1: " + s.lane(1).size() + " tasks, busy "));
        assertTrue(text.endsWith("#" + s.criticalPath().get(s.criticalPath().size() - 1) + " "
                + t.task(s.criticalPath().get(s.criticalPath().size() - 1)).label() + "\n"), text);
        String bare = SchedulePrinter.print(s);
        assertTrue(bare.contains("critical path: #" + s.criticalPath().get(0) + " -> #"), bare);
        assertTrue(SchedulePrinter.print(ListScheduler.schedule(t, Nets.COSTS, 1))
                .startsWith("schedule: 1 queue, " + t.size() + " tasks, 0 events"));
    }
}
