/**
 * The dynamic provider of the sensor resource. Pulumi serializes this object with everything it captures and
 * runs it in a separate provider process, so it holds nothing but calls into the plain operations module (no
 * Pulumi runtime, no SDK clients); that module loads Node's https client inside the call.
 */
import type * as pulumi from "@pulumi/pulumi";
import * as operations from "./sensorOperations";
import type { SensorConfigurationInputs, SensorConfigurationState } from "./sensorState";

/** CRUD of `SensorConfiguration`. */
export const sensorProvider: pulumi.dynamic.ResourceProvider<
  SensorConfigurationInputs,
  SensorConfigurationState
> = {
  check: (olds, news) => operations.checkSensorConfiguration(olds, news),
  diff: (_id, olds, news) => operations.diffSensor(olds, news),
  create: (inputs) => operations.createSensorConfiguration(inputs),
  // The SDK types a refresh's new inputs as outputs; the engine takes them as inputs, which is what these are.
  read: async (id, state) =>
    (await operations.readSensorConfiguration(
      id,
      state as SensorConfigurationState,
    )) as pulumi.dynamic.ReadResult<SensorConfigurationState>,
  update: (id, olds, news) => operations.updateSensorConfiguration(id, olds, news),
  delete: (id, state) => operations.deleteSensorConfiguration(id, state),
};
