package io.recurflow.cli;

import io.recurflow.codegen.Calibration;
import io.recurflow.codegen.Lowering;
import io.recurflow.codegen.train.OpenClStepEngine;
import io.recurflow.interp.Tensor;
import io.recurflow.ir.Graph;
import io.recurflow.train.OptimizerSpec;
import io.recurflow.train.ReferenceStepEngine;
import io.recurflow.runtime.cl.Session;
import io.recurflow.train.StepEngine;
import java.util.Map;

/** The one place a training engine is made, for `train` and `bench --train`. */
final class TrainEngines {
    private TrainEngines() {
    }

    /**
     * An engine training {@code graph} on batches of {@code batch} sequences of at most {@code seq} steps,
     * from {@code params}, with optimizer {@code spec}; {@code device} picks the OpenCL device (null: default).
     */
    static StepEngine create(Engines.Kind mode, Graph graph, int batch, int seq, OptimizerSpec spec,
                             Map<String, Tensor> params, String device) {
        if (mode == Engines.Kind.reference) {
            return new ReferenceStepEngine(graph, spec, params);
        }
        io.recurflow.runtime.cl.DeviceInfo info = Engines.device(device);
        Lowering.Options options = new Lowering.Options(0, 4, Calibration.forDevice(info));
        return OpenClStepEngine.create(Session.shared(info, 4), graph, mode.codegen(), batch, seq, spec, params,
                options);
    }
}
