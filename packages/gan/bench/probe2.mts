import { initBackend, tf } from '@recforge/tf'
await initBackend()
const a = tf.randomNormal([64, 9742]) as any, w = tf.variable(tf.randomNormal([9742, 128])) as any, w2 = tf.variable(tf.randomNormal([128, 9742])) as any
const opt = tf.train.adam(0.001)
for (let r = 0; r < 3; r++) { const t0 = Date.now(); const g = tf.grads((x: any) => tf.sum(tf.matMul(a, x)))([w]); await g[0]!.data(); console.log('grad W1 ms', Date.now() - t0); g[0]!.dispose() }
for (let r = 0; r < 3; r++) { const t0 = Date.now(); const c = opt.minimize(() => tf.sum(tf.sigmoid(tf.matMul(tf.relu(tf.matMul(a, w)), w2))) as any, true, [w, w2])!; await c.data(); console.log('minimize ms', Date.now() - t0) }
const sgd = tf.train.sgd(0.001)
for (let r = 0; r < 3; r++) { const t0 = Date.now(); const c = sgd.minimize(() => tf.sum(tf.sigmoid(tf.matMul(tf.relu(tf.matMul(a, w)), w2))) as any, true, [w, w2])!; await c.data(); console.log('sgd minimize ms', Date.now() - t0) }
