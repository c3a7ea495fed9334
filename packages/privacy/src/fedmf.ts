import { defineParams, param, throwIfAborted, type ConfigOf, type FitOptions, type Interactions, type Random } from '@recforge/core'
import { FederatedClient } from './federated/client'
import { FederatedServer } from './federated/server'
import { scheduleTraining, spentSoFar } from './internal/budget'
import { PrivateFactorModel, type TrainedFactors } from './internal/factors'
import { secureNoise, seededNoise } from './noise'

/** The parameters of {@link FederatedMF} (the `fedmf` model). */
export const FEDMF_PARAMS = defineParams({
  epsilon: param.float({ default: 1, min: 0, exclusiveMin: true, description: 'privacy budget per user: the most epsilon training may spend' }),
  delta: param.float({ default: 0, min: 0, max: 1, exclusiveMax: true, description: 'delta of the guarantee (0 = 1/n, n the number of users)' }),
  noiseMultiplier: param.float({ default: 0, min: 0, description: 'noise standard deviation over clipNorm (0 = the smallest that keeps within epsilon)' }),
  clipNorm: param.float({ default: 0.5, min: 0, exclusiveMin: true, description: 'L2 norm each client update is clipped to' }),
  clientsPerRound: param.int({ default: 100, min: 1, description: 'expected clients per round; each user takes part with probability clientsPerRound / users' }),
  factors: param.int({ default: 8, min: 1, description: 'number of latent factors' }),
  epochs: param.int({ default: 20, min: 1, description: 'rounds in which each client takes part on average (rounds = epochs × users / clientsPerRound)' }),
  learningRate: param.float({ default: 0.5, min: 0, exclusiveMin: true, description: 'step of a client\'s gradient update on the items it rated' }),
  serverLearningRate: param.float({ default: 1, min: 0, exclusiveMin: true, description: 'step of the server on the averaged update' }),
  l2: param.float({ default: 10, min: 0, description: 'L2 penalty of each user\'s vector and bias (the client\'s ridge fit) and of each item\'s (the server\'s weight decay)' }),
  dp: param.bool({ default: true, description: 'train with differential privacy (false: the same federated training without clipping or noise)' }),
  secureNoise: param.bool({ default: false, description: 'draw noise and client samples from crypto.getRandomValues instead of the seed' }),
  seed: param.int({ default: 42, description: 'seed of the initial item factors and, unless secureNoise, of client sampling and noise' }),
})

/** The configuration of {@link FederatedMF}: see {@link FEDMF_PARAMS}. */
export type FederatedMFConfig = ConfigOf<typeof FEDMF_PARAMS>

/**
 * Federated biased MF, simulated: every user is a {@link FederatedClient} object holding only
 * that user's ratings and own vector; a {@link FederatedServer} holds the item model. Each round
 * the server samples clients; each refits its vector locally and sends a clipped gradient step for
 * the items it rated; the server adds Gaussian noise to the sum and steps (DP-FedAvg). The item
 * model is user-level (ε, δ)-DP by the RDP accountant ({@link FederatedMF.privacy}); each user's
 * own vector is computed on the device from the published items and that user's ratings, and is
 * what scores their items here.
 *
 * @example
 * ```ts
 * const model = new FederatedMF({ epsilon: 5, clientsPerRound: 60 })
 * await model.fit(ratings)
 * model.privacy // { epsilon: 4.99, delta: 0.0016, mechanism: 'dp-fedavg', unit: 'user' }
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for out-of-range options, or a `noiseMultiplier` that
 *   would spend more than `epsilon` (at fit).
 */
export class FederatedMF extends PrivateFactorModel<FederatedMFConfig> {
  static override readonly params = FEDMF_PARAMS
  readonly name = 'fedmf'

  protected async train(data: Interactions, opts: FitOptions, rng: Random): Promise<TrainedFactors> {
    const c = this.config
    const nu = data.users.size
    const k = c.factors
    const clients = Array.from({ length: nu }, (_, u) => {
      const a = data.indptr[u]!
      const b = data.indptr[u + 1]!
      return new FederatedClient(data.indices.slice(a, b), data.values.slice(a, b), { factors: k, l2: c.l2 })
    })
    const schedule = scheduleTraining({ ...c, model: 'fedmf', mechanism: 'dp-fedavg', unit: 'user', units: nu, perStep: c.clientsPerRound })
    const { sampleRate, plan } = schedule
    const server = new FederatedServer({
      numItems: data.items.size,
      factors: k,
      numClients: nu,
      sampleRate,
      clipNorm: plan ? c.clipNorm : Number.POSITIVE_INFINITY,
      noiseMultiplier: plan?.noiseMultiplier ?? 0,
      serverLearningRate: c.serverLearningRate,
      // the items' share of the penalty l2 (‖p_u‖² + ‖q_i‖²): the averaged update is η/N × the data gradient
      weightDecay: (c.serverLearningRate * c.learningRate * c.l2) / nu,
      noise: c.secureNoise ? secureNoise() : seededNoise(rng.uint32()),
    })
    for (let ep = 0; ep < c.epochs; ep++) {
      throwIfAborted(opts.signal, 'fedmf fit')
      for (let r = 0; r < schedule.stepsPerEpoch; r++) {
        for (const u of server.sampleClients()) {
          const client = clients[u]!
          client.fitUser(server.model)
          server.receive(client.computeUpdate(server.model, c.learningRate))
        }
        server.finishRound()
      }
      opts.onProgress?.({ stage: 'epoch', current: ep + 1, total: c.epochs, metrics: spentSoFar(schedule, server.rounds) })
    }
    // each device fits its own vector to the final item model; the simulation keeps them to score
    const model = server.model
    const P = new Float64Array(nu * k)
    const bu = new Float64Array(nu)
    for (let u = 0; u < nu; u++) {
      const client = clients[u]!
      client.fitUser(model)
      P.set(client.userVector, u * k)
      bu[u] = client.userBias
    }
    return { state: { k, mu: model.mu, P, Q: model.itemFactors.slice(), bu, bi: model.itemBias.slice() }, plan }
  }
}
