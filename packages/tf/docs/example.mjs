import { initBackend, tf, Batcher, takeRows, gatherRows, sigmoidCrossEntropy, trainEpochs } from '@recforge/tf'

const backend = await initBackend({ log: console.error }) // tensorflow-wasm when tfjs-node is absent
// 2,000 (user, item, label) rows: a user likes an item when both ids have the same parity
const n = 2000, users = new Int32Array(n), items = new Int32Array(n), labels = new Float32Array(n)
for (let i = 0; i < n; i++) [users[i], items[i]] = [i % 40, (i * 7) % 30], labels[i] = (users[i] % 2) === (items[i] % 2) ? 1 : 0
const U = tf.variable(tf.randomNormal([40, 8], 0, 0.1, 'float32', 1)), V = tf.variable(tf.randomNormal([30, 8], 0, 0.1, 'float32', 2))
const opt = tf.train.adam(0.05), batcher = new Batcher({ size: n, batchSize: 256, seed: 42 })
const ub = new Int32Array(256), ib = new Int32Array(256), yb = new Float32Array(256)
const { history } = await trainEpochs({
  epochs: 5,
  runEpoch: async () => {
    let loss = 0
    for (const rows of batcher.epoch()) {
      const [u, it, y] = [takeRows(users, rows, ub), takeRows(items, rows, ib), takeRows(labels, rows, yb)]
      // minimize() tidies the forward pass after the gradients are taken
      const l = opt.minimize(() => {
        const eu = gatherRows(U, tf.tensor2d(u, [u.length, 1], 'int32')), ev = gatherRows(V, tf.tensor2d(it, [it.length, 1], 'int32'))
        return sigmoidCrossEntropy(tf.sum(tf.mul(eu, ev), 1), tf.tensor1d(y))
      }, true)
      loss += l.dataSync()[0] * rows.length / n
      l.dispose()
    }
    return { loss }
  },
})
console.log(backend.name, history.map((h) => h.loss.toFixed(3)).join(' → '))
